using System.Text;
using Npgsql;

namespace Monitoring.Alerts;

/// <summary>
/// A background loop that runs on one replica at a time per store. It holds a PostgreSQL session advisory lock, keyed by
/// its name and the store's schema, on a connection of its own for as long as it works; if the process dies or the
/// connection drops, PostgreSQL releases the lock and another replica's loop takes over within seconds. A failed round is
/// logged and the loop starts again (re-taking the lock) a second later.
/// </summary>
public abstract class SingleWriterLoop(NpgsqlDataSource database, string lockName, string schema) : BackgroundService
{
    /// <summary>The database the lock is taken in, for the loop's own commands.</summary>
    protected NpgsqlDataSource Database { get; } = database;

    /// <summary>How often a replica without the lock tries to take it.</summary>
    private static readonly TimeSpan LockRetry = TimeSpan.FromSeconds(5);

    private readonly long _lockKey = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(
        Encoding.UTF8.GetBytes(lockName + ":" + schema)));

    /// <summary>One round of work; returns false when there was nothing to do.</summary>
    protected abstract Task<bool> WorkOnceAsync(CancellationToken ct);

    /// <summary>What to wait for after a round with nothing to do.</summary>
    protected abstract Task IdleAsync(CancellationToken ct);

    /// <summary>A round failed: log it and drop any state that may be ahead of what was committed.</summary>
    protected abstract void OnFailed(Exception exception);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var lockConnection = await Database.OpenConnectionAsync(stoppingToken);
                if (!await TryLockAsync(lockConnection, stoppingToken))
                {
                    await Task.Delay(LockRetry, stoppingToken);
                    continue;
                }
                while (!stoppingToken.IsCancellationRequested && lockConnection.State == System.Data.ConnectionState.Open)
                {
                    if (!await WorkOnceAsync(stoppingToken)) await IdleAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                OnFailed(e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", _lockKey);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
