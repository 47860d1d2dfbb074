using Npgsql;

namespace Monitoring.Testing;

/// <summary>A PostgreSQL schema name of a test's own; the schema is dropped afterwards.</summary>
public sealed class PostgresSchema : IAsyncDisposable
{
    private PostgresSchema(string name) => Name = name;

    public string Name { get; }

    public static string ConnectionString => TestServers.Postgres;

    public static PostgresSchema Create(string prefix = "test") => new(TestServers.UniqueName(prefix));

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop schema if exists \"{Name}\" cascade", connection);
        await command.ExecuteNonQueryAsync();
    }
}
