using Microsoft.Extensions.Logging;

namespace Monitoring.Testing;

/// <summary>
/// Warnings and errors of an in-process service, appended to a file when <c>MONITORING_TEST_LOG</c> names one: what a
/// test composed with its logging cleared would otherwise swallow while someone investigates it.
/// </summary>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private static readonly Lock Gate = new();

    public static FileLoggerProvider? FromEnvironment() =>
        Environment.GetEnvironmentVariable("MONITORING_TEST_LOG") is { Length: > 0 } path ? new FileLoggerProvider(path) : null;

    public ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class FileLogger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (Gate) File.AppendAllText(path, $"{DateTime.UtcNow:O} {logLevel} {category}: {formatter(state, exception)}\n{exception}\n");
        }
    }
}
