using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Hosting;
using Npgsql;

namespace Monitoring.Alerts.Tests;

public sealed class PostgresConnectionTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static NpgsqlConnectionStringBuilder From(string? text) =>
        new(PostgresConnection.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MONITORING_POSTGRES"] = text }).Build()));

    [Fact]
    public void Statements_are_prepared_automatically_unless_the_connection_string_says_otherwise()
    {
        var given = From("Host=db.example;Port=6432;Username=monitor;Password=s3cret;Database=news;Maximum Pool Size=40");
        Assert.Equal(PostgresConnection.AutoPrepared, given.MaxAutoPrepare);
        Assert.Equal(("db.example", 6432, "monitor", "s3cret", "news", 40), (given.Host, given.Port, given.Username, given.Password, given.Database, given.MaxPoolSize));

        Assert.Equal(PostgresConnection.AutoPrepared, From(null).MaxAutoPrepare);
        Assert.Equal("127.0.0.1", From(null).Host);
        Assert.Equal(0, From("Host=db;Max Auto Prepare=0").MaxAutoPrepare);
        Assert.Equal(12, From("Host=db;maxautoprepare=12").MaxAutoPrepare);
    }

    [Fact]
    public async Task The_service_prepares_a_statement_it_runs_again_and_again()
    {
        await using var connection = await store.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        for (var i = 0; i < 10; i++)
        {
            await using var repeated = new NpgsqlCommand("select count(*) from pg_class where relpages >= $1", connection) { Parameters = { new() { Value = i } } };
            await repeated.ExecuteScalarAsync();
        }
        await using var prepared = new NpgsqlCommand("select count(*) from pg_prepared_statements where statement like '%relpages >= $1%'", connection);
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }
}
