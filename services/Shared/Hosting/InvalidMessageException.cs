namespace Monitoring.Hosting;

/// <summary>
/// A message no retry can make processable (a required field missing, a malformed value). The bus does not retry it
/// and the kill switch does not count it: it goes straight to the consumer's <c>_error</c> queue, where the
/// dashboard's pipeline panel shows it, and the messages behind it flow on.
/// </summary>
public sealed class InvalidMessageException(string message) : Exception(message);
