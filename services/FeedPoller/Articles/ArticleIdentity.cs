using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Monitoring.FeedPoller.Articles;

/// <summary>
/// A stable article id: from the canonical URL when the item has one (so the same article from two feeds, or
/// under a new guid, is one article), else from the feed's guid, else from the content.
/// </summary>
public static class ArticleIdentity
{
    private static readonly (HashSet<string> Exact, string[] Prefixes) Tracking = LoadTrackingParameters();

    public static string For(string? link, string? guid, string title, string text)
    {
        // The scheme is left out: a site moving from http to https does not make its articles new.
        if (CanonicalUrl(link) is { } canonical) return Hash("url:" + canonical[(canonical.IndexOf("://", StringComparison.Ordinal) + 3)..]);
        if (!string.IsNullOrWhiteSpace(guid)) return Hash("guid:" + guid.Trim());
        return Hash("content:" + ContentHash(title, text));
    }

    public static string ContentHash(string title, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(title.Trim() + "\n" + text.Trim())))[..32];

    /// <summary>
    /// Lower-case scheme and host, no default port, no fragment, no tracking parameters (utm_*, fbclid, ...),
    /// remaining query parameters in a stable order. Null for anything that is not an absolute http(s) URL.
    /// </summary>
    public static string? CanonicalUrl(string? link)
    {
        if (string.IsNullOrWhiteSpace(link) || link.StartsWith('/') || !Uri.TryCreate(link.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;

        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(pair => !IsTracking(Uri.UnescapeDataString(pair.Split('=', 2)[0])))
            .Order(StringComparer.Ordinal)
            .ToList();

        var builder = new StringBuilder()
            .Append(uri.Scheme).Append("://").Append(uri.IdnHost.ToLowerInvariant().TrimEnd('.'));
        if (!uri.IsDefaultPort) builder.Append(':').Append(uri.Port);
        builder.Append(uri.AbsolutePath);
        if (query.Count > 0) builder.Append('?').Append(string.Join('&', query));
        return builder.ToString();
    }

    private static bool IsTracking(string name) =>
        Tracking.Exact.Contains(name) || Tracking.Prefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];

    private static (HashSet<string>, string[]) LoadTrackingParameters()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Monitoring.FeedPoller.tracking-parameters.tsv")
                           ?? throw new InvalidOperationException("tracking-parameters.tsv is not embedded");
        using var reader = new StreamReader(stream);
        var names = reader.ReadToEnd().Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t')[0].Trim())
            .Where(name => name.Length > 0)
            .ToList();
        return (new HashSet<string>(names.Where(n => !n.EndsWith('*')), StringComparer.OrdinalIgnoreCase),
                names.Where(n => n.EndsWith('*')).Select(n => n.TrimEnd('*')).ToArray());
    }
}
