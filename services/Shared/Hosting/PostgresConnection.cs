using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Monitoring.Hosting;

public static class PostgresConnection
{
    public const string Default = "Host=127.0.0.1;Port=5432;Username=postgres;Database=monitoring";

    /// <summary>The Npgsql connection string from <c>MONITORING_POSTGRES</c>.</summary>
    public static string From(IConfiguration configuration)
    {
        var text = configuration["MONITORING_POSTGRES"];
        return string.IsNullOrWhiteSpace(text) ? Default : text;
    }
}

/// <summary>Ready only when PostgreSQL answers a query.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer: " + e.Message);
        }
    }
}
