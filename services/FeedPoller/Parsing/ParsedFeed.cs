namespace Monitoring.FeedPoller.Parsing;

public sealed record ParsedFeed(string? Title, string? Link, string? Language, IReadOnlyList<ParsedItem> Items);

/// <param name="Guid">The feed's own id for the item (RSS guid, Atom id), if any.</param>
public sealed record ParsedItem(string? Guid, string Title, string? Link, DateTimeOffset? Published, string Text, string? Language);

public sealed class FeedFormatException(string message, Exception? inner = null) : Exception(message, inner);
