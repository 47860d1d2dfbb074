using System.Xml.Linq;

namespace Monitoring.FeedPoller.Parsing;

/// <summary>The XML namespaces feed readers look in.</summary>
public static class FeedNamespaces
{
    public const string Atom10 = "http://www.w3.org/2005/Atom";
    public const string Atom03 = "http://purl.org/atom/ns#";
    public const string Rss10 = "http://purl.org/rss/1.0/";
    public const string Rss090 = "http://my.netscape.com/rdf/simple/0.9/";
    public const string Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    public const string Content = "http://purl.org/rss/1.0/modules/content/";
    public const string Dc = "http://purl.org/dc/elements/1.1/";
    public const string DcTerms = "http://purl.org/dc/terms/";
    public const string Media = "http://search.yahoo.com/mrss/";
    public const string Sy = "http://purl.org/rss/1.0/modules/syndication/";
    public const string Itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    public const string Feedburner = "http://rssnamespace.org/feedburner/ext/1.0";
    public const string Xhtml = "http://www.w3.org/1999/xhtml";

    public static readonly XNamespace AtomNs = Atom10;
    public static readonly XNamespace ContentNs = Content;
    public static readonly XNamespace DcNs = Dc;
    public static readonly XNamespace DcTermsNs = DcTerms;
    public static readonly XNamespace MediaNs = Media;
    public static readonly XNamespace SyNs = Sy;
    public static readonly XNamespace ItunesNs = Itunes;
    public static readonly XNamespace FeedburnerNs = Feedburner;
    public static readonly XNamespace XhtmlNs = Xhtml;
    public static readonly XNamespace RdfNs = Rdf;
}
