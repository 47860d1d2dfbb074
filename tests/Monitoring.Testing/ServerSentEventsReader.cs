using System.Text;

namespace Monitoring.Testing;

public sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>Reads a text/event-stream response as the browser's EventSource would (id, event, data fields).</summary>
public sealed class ServerSentEventsReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event, skipping comments and retry hints; null when the stream ended.</summary>
    public async Task<ServerSentEvent?> NextAsync(CancellationToken ct)
    {
        string? id = null, type = null;
        var data = new StringBuilder();
        while (await _reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length == 0 && type is null && id is null) continue;
                return new ServerSentEvent(id, type ?? "message", data.ToString());
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
            }
        }
        return null;
    }

    public void Dispose() => _reader.Dispose();
}
