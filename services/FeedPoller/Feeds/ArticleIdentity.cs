using System.Security.Cryptography;
using System.Text;

namespace Monitoring.FeedPoller.Feeds;

/// <summary>
/// A stable article id: from the canonical URL when the item has one (so the same article from two
/// feeds is one article), else from the feed's guid, else from the content.
/// </summary>
public static class ArticleIdentity
{
    private static readonly HashSet<string> TrackingParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_ga", "igshid", "ref_src",
    };

    public static string For(string? link, string? guid, string title, string text)
    {
        if (CanonicalUrl(link) is { } canonical) return Hash("url:" + canonical);
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
        if (string.IsNullOrWhiteSpace(link) || !Uri.TryCreate(link.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;

        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(pair =>
            {
                var name = Uri.UnescapeDataString(pair.Split('=', 2)[0]);
                return !name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) && !TrackingParameters.Contains(name);
            })
            .Order(StringComparer.Ordinal)
            .ToList();

        var builder = new StringBuilder()
            .Append(uri.Scheme).Append("://").Append(uri.IdnHost.ToLowerInvariant());
        if (!uri.IsDefaultPort) builder.Append(':').Append(uri.Port);
        builder.Append(uri.AbsolutePath);
        if (query.Count > 0) builder.Append('?').Append(string.Join('&', query));
        return builder.ToString();
    }

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];
}
