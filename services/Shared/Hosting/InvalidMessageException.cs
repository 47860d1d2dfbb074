using MassTransit;

namespace Monitoring.Hosting;

/// <summary>
/// A message no retry can make processable (a required field missing, a malformed value). The bus does not retry it
/// and the kill switch does not count it: it goes straight to the consumer's <c>_error</c> queue, where the
/// dashboard's pipeline panel shows it, and the messages behind it flow on.
/// </summary>
public sealed class InvalidMessageException(string message) : Exception(message)
{
    /// <summary>
    /// Sends one invalid part of a batch (an article) alone to <paramref name="errorQueue"/>, with the headers MassTransit
    /// gives a faulted message (<c>MT-Fault-Message</c> is the reason the dashboard shows), so it can be inspected and
    /// moved back like any other.
    /// </summary>
    public static async Task SendToErrorQueueAsync<T>(ConsumeContext from, T message, string errorQueue, string problem, CancellationToken ct)
        where T : class
    {
        var endpoint = await from.GetSendEndpoint(new Uri($"queue:{errorQueue}"));
        await endpoint.Send(message, send =>
        {
            send.Headers.Set("MT-Reason", "invalid");
            send.Headers.Set("MT-Fault-Message", problem);
            send.Headers.Set("MT-Fault-ExceptionType", typeof(InvalidMessageException).FullName);
            send.Headers.Set("MT-Fault-InputAddress", from.ReceiveContext.InputAddress?.ToString());
            send.Headers.Set("MT-Fault-Timestamp", DateTimeOffset.UtcNow.ToString("O"));
        }, ct);
    }
}
