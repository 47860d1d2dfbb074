using System.Diagnostics;
using System.Text.Json.Serialization;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Marten.Schema;
using Monitoring.Alerts.AlertFeed;
using Monitoring.Alerts.Articles;
using Monitoring.Hosting;
using Monitoring.Alerts.Stories;
using Severity = Monitoring.Contracts.Severity;

namespace Monitoring.Alerts.CountryAlerts;

/// <summary>
/// One alert in one country's stream: an article whose primary countries include <see cref="Country"/> and
/// that has a security topic. A withdrawn alert (reclassified away) stays, inactive, with its versions, so
/// <c>asOf</c> queries can answer as the stream stood at any time.
/// </summary>
/// <remarks>
/// The stored document is lean: the version in force is kept once, at the top level (<see cref="Current"/> reads it
/// from there), and only the versions before it in <see cref="Earlier"/>, which a document that one classification
/// wrote (nearly all of them) does not have. A rebuild writes one document per alert, and PostgreSQL parses, logs and
/// stores every byte of it: keeping each version twice (once as the current one) doubled all of that.
/// </remarks>
public sealed class CountryAlert
{
    /// <summary><c>{COUNTRY}:{articleId}</c>.</summary>
    public string Id { get; set; } = "";
    public string Country { get; set; } = "";
    public string ArticleId { get; set; } = "";
    public bool Active { get; set; }
    public DateTimeOffset DetectedAt { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? WithdrawnAt { get; set; }
    public int SeverityLevel { get; set; }

    /// <summary>The current version's topics, at the top level so queries can filter on them.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>Position in the event store of the event that last changed this alert.</summary>
    public long Position { get; set; }

    // The current version (with Active, SeverityLevel and Topics above).
    public DateTimeOffset From { get; set; }
    public int Revision { get; set; }
    public string Title { get; set; } = "";
    public string Url { get; set; } = "";
    public string Source { get; set; } = "";
    public string Language { get; set; } = "";
    public DateTimeOffset? PublishedAt { get; set; }
    public List<string> Countries { get; set; } = [];
    public List<string> Primary { get; set; } = [];
    public string ClassifierVersion { get; set; } = "";

    /// <summary>The versions before the current one, oldest first; null while there is only the current one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CountryAlertVersion>? Earlier { get; set; }

    /// <summary>The version in force now (withdrawn when the alert is not active).</summary>
    [JsonIgnore]
    public CountryAlertVersion Current => new(From, !Active, Revision, Title, Url, Source, Language, PublishedAt, Topics,
        (Severity)SeverityLevel, Countries, Primary, ClassifierVersion);

    /// <summary>Every version, oldest first, the current one last.</summary>
    [JsonIgnore]
    public IReadOnlyList<CountryAlertVersion> Versions => [.. Earlier ?? [], Current];

    public static string IdFor(string country, string articleId) => country + ":" + articleId;

    /// <summary>
    /// Marten calls this when it maps the document: the columns the queries filter and sort on, and only the indexes
    /// they walk — a country's stream newest first (with or without <c>asOf</c>) and the newest alerts of all countries.
    /// Every index is paid for on each write of a rebuild, so the single-column ones that duplicating adds on country
    /// (covered by the composite), active and severity level (too few values to choose rows by) are left out.
    /// </summary>
    public static void ConfigureMarten(DocumentMapping mapping)
    {
        var alerts = (DocumentMapping<CountryAlert>)mapping;
        alerts.Duplicate(a => a.Country);
        alerts.Duplicate(a => a.DetectedAt);
        alerts.Duplicate(a => a.Active);
        alerts.Duplicate(a => a.SeverityLevel);
        var unused = mapping.Indexes.OfType<DocumentIndex>().Where(i => i.Columns is ["country"] or ["active"] or ["severity_level"]).ToList();
        foreach (var index in unused) mapping.Indexes.Remove(index);
        alerts.AddIndex("country", "detected_at");
    }

    /// <summary>The version in force at <paramref name="asOf"/>, or null when the alert did not stand then.</summary>
    public CountryAlertVersion? AsOf(DateTimeOffset asOf)
    {
        if (From <= asOf) return Active ? Current : null;
        var version = Earlier?.LastOrDefault(v => v.From <= asOf);
        return version is { Withdrawn: false } ? version : null;
    }

    /// <summary>Makes <paramref name="version"/> the current one, the one in force until now going to <see cref="Earlier"/>.</summary>
    internal void Push(CountryAlertVersion version, bool first)
    {
        if (!first) (Earlier ??= []).Add(Current);
        From = version.From;
        Active = !version.Withdrawn;
        Revision = version.Revision;
        Title = version.Title;
        Url = version.Url;
        Source = version.Source;
        Language = version.Language;
        PublishedAt = version.PublishedAt;
        Topics = [.. version.Topics];
        SeverityLevel = (int)version.Severity;
        Countries = [.. version.Countries];
        Primary = [.. version.Primary];
        ClassifierVersion = version.ClassifierVersion;
    }
}

/// <summary>The alert as one classification left it, from <see cref="From"/> (the event's time in the store).</summary>
public sealed record CountryAlertVersion(
    DateTimeOffset From, bool Withdrawn, int Revision, string Title, string Url, string Source, string Language,
    DateTimeOffset? PublishedAt, IReadOnlyList<string> Topics, Severity Severity, IReadOnlyList<string> Countries,
    IReadOnlyList<string> Primary, string ClassifierVersion);

/// <summary>
/// Keeps one <see cref="CountryAlert"/> per (alerted country, article) on the async daemon. Articles with no
/// security topic (severity none) raise no alert; a reclassification that drops a country withdraws its alert.
/// Story events do not touch alerts: readers name each alert's story from the assigner's <see cref="ArticleStory"/>
/// documents (<see cref="AlertView.NameStoriesAsync"/>).
/// </summary>
/// <remarks>
/// Set-based rather than a <c>MultiStreamProjection</c>: Marten writes an aggregate with one upsert statement per
/// document, and at a million articles that statement (parsed, planned and run once per alert) was nearly all of a
/// rebuild's time. Here each page of events loads the alerts it touches in one query and writes them back with one
/// <c>insert ... select from unnest(...)</c> for the new ones and one <c>update ... from unnest(...)</c> for the others,
/// in the daemon's transaction with the page's progress, so live and rebuilt documents come from the same code and
/// the same <see cref="Evolve"/>.
/// </remarks>
public sealed class CountryAlertsProjection : ProjectionBase, IProjection
{
    public CountryAlertsProjection()
    {
        Name = "country-alerts";
        IncludeType<ArticleClassified>();
        IncludeType<ArticleReclassified>();
        RegisterPublishedType(typeof(CountryAlert));
        Options.DeleteViewTypeOnTeardown<CountryAlert>();
    }

    private static List<string> AffectedAlerts(IArticleClassification e) =>
        e.Alert().Countries.Union(e.Previous.Countries).Select(country => CountryAlert.IdFor(country, e.ArticleId)).ToList();

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var changes = events
            .Where(e => e.Data is IArticleClassification)
            .Select(e => (Event: e, Alerts: AffectedAlerts((IArticleClassification)e.Data)))
            .Where(change => change.Alerts.Count > 0)
            .ToList();
        if (changes.Count == 0) return;

        // An article's first verdict (ArticleClassified right after ArticleFetched, at stream version 2) finds none of
        // its alerts stored: only later verdicts need theirs loaded. In a rebuild that is nearly every event, so the
        // page's load query mostly goes away.
        var ids = changes.Where(change => !IsFirstVerdict(change.Event)).SelectMany(change => change.Alerts).Distinct().ToArray();
        var alerts = ids.Length == 0
            ? new Dictionary<string, CountryAlert>()
            : (await operations.LoadManyAsync<CountryAlert>(cancellation, ids)).ToDictionary(a => a.Id);
        var stored = alerts.Keys.ToHashSet();
        var changed = new Dictionary<string, CountryAlert>();
        foreach (var (e, affected) in changes)
        {
            foreach (var id in affected)
            {
                if (Evolve(alerts.GetValueOrDefault(id), id, e) is not { } alert) continue;
                alerts[id] = alert;
                changed[id] = alert;
            }
        }
        // Only this projection's daemon agent writes these documents, so what the load did not find is new: a plain
        // insert (no conflict check, the cheaper write in a rebuild, where nearly every alert is new).
        QueueWrite(operations, InsertSql, changed.Values.Where(a => !stored.Contains(a.Id)).ToList());
        QueueWrite(operations, UpdateSql, changed.Values.Where(a => stored.Contains(a.Id)).ToList());
    }

    /// <summary>
    /// True for the first classification event of an article's stream (every stream starts ArticleFetched,
    /// ArticleClassified): no alert of that article can be stored before it.
    /// </summary>
    public static bool IsFirstVerdict(IEvent e) => e is { Data: ArticleClassified, Version: 2 };

    /// <summary>Marten's columns of the alert table, in the order the arrays of <see cref="QueueWrite"/> give them.</summary>
    private const string Unnest = """
        unnest(?::varchar[], ?::jsonb[], ?::varchar[], ?::timestamptz[], ?::boolean[], ?::integer[])
            as u(id, data, country, detected_at, active, severity_level)
        """;

    private const string InsertSql = $"""
        insert into @table@ (id, data, mt_dotnet_type, mt_version, mt_last_modified, country, detected_at, active, severity_level)
        select u.id, u.data, ?, gen_random_uuid(), transaction_timestamp(), u.country, u.detected_at, u.active, u.severity_level
        from {Unnest}
        """;

    private const string UpdateSql = $"""
        update @table@ as d set data = u.data, mt_dotnet_type = ?, mt_version = gen_random_uuid(),
            mt_last_modified = transaction_timestamp(), country = u.country, detected_at = u.detected_at, active = u.active,
            severity_level = u.severity_level
        from {Unnest}
        where d.id = u.id
        """;

    /// <summary>One statement for all the alerts of a page, with the columns Marten's own upsert keeps.</summary>
    private static void QueueWrite(IDocumentOperations operations, string sql, IReadOnlyList<CountryAlert> alerts) =>
        DocumentRows.Queue(operations, sql, alerts, a => a.Id,
            alerts.Select(a => a.Country).ToArray(),
            alerts.Select(a => a.DetectedAt.ToUniversalTime()).ToArray(),
            alerts.Select(a => a.Active).ToArray(),
            alerts.Select(a => a.SeverityLevel).ToArray());

    /// <summary>The alert <paramref name="id"/> after event <paramref name="e"/> (null while it never alerted).</summary>
    public static CountryAlert? Evolve(CountryAlert? alert, string id, IEvent e)
    {
        if (e.Data is not IArticleClassification classification) return alert;
        var country = id[..id.IndexOf(':')];
        using var activity = MonitoringTelemetry.Source.HasListeners()
            ? MonitoringTelemetry.Source.StartActivity("project country alert", ActivityKind.Internal,
                MonitoringTelemetry.ParentFrom(AlertFeedReader.TraceParentOf(e)))
            : null;
        activity?.SetTag("alert.id", id);
        var now = classification.Alert();
        if (now.Countries.Contains(country))
        {
            var first = alert is null;
            alert ??= new CountryAlert { Id = id, Country = country, ArticleId = classification.ArticleId, DetectedAt = classification.DetectedAt };
            alert.WithdrawnAt = null;
            alert.Position = e.Sequence;
            alert.Push(new CountryAlertVersion(e.Timestamp, false, classification.Revision, classification.Title,
                classification.Url, classification.Source, classification.Language, classification.PublishedAt, now.Topics,
                classification.Severity, classification.Countries.Select(c => c.Code).ToList(), now.Countries,
                classification.ClassifierVersion), first);
        }
        else if (alert is { Active: true })
        {
            alert.WithdrawnAt = e.Timestamp;
            alert.Position = e.Sequence;
            alert.Push(alert.Current with { From = e.Timestamp, Withdrawn = true }, first: false);
        }
        return alert;
    }
}
