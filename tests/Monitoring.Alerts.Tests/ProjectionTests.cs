using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Classification;
using Monitoring.Contracts;
using ArticleReclassified = Monitoring.Alerts.Articles.ArticleReclassified;

namespace Monitoring.Alerts.Tests;

public sealed class ProjectionTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task<CountryAlert?> AlertAsync(string country, string articleId)
    {
        await using var session = store.Store.QuerySession();
        return await session.LoadAsync<CountryAlert>(CountryAlert.IdFor(country, articleId));
    }

    [Fact]
    public async Task An_edit_that_drops_a_country_withdraws_its_alert_and_asOf_still_shows_it_before()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["GR", "CY"]));
        await store.WaitForProjectionsAsync();
        var whileBoth = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await store.RecordAsync(Articles.Classified(id, revision: 2, primary: ["GR"], mentioned: ["CY"]));
        await store.WaitForProjectionsAsync();

        Assert.True((await AlertAsync("GR", id))!.Active);
        var cyprus = await AlertAsync("CY", id);
        Assert.False(cyprus!.Active);
        Assert.NotNull(cyprus.WithdrawnAt);

        var now = await store.Http.GetFromJsonAsync<JsonElement>("api/countries/CY/alerts");
        Assert.DoesNotContain(now.GetProperty("alerts").EnumerateArray(), a => a.GetProperty("articleId").GetString() == id);
        var then = await store.Http.GetFromJsonAsync<JsonElement>($"api/countries/CY/alerts?asOf={Uri.EscapeDataString(whileBoth.ToString("O"))}");
        var alert = Assert.Single(then.GetProperty("alerts").EnumerateArray(), a => a.GetProperty("articleId").GetString() == id);
        Assert.Equal(1, alert.GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task An_alert_stores_its_current_version_once_and_earlier_ones_in_order_through_withdrawal_and_return()
    {
        var id = NewId();
        var once = NewId();
        await store.RecordAsync(Articles.Classified(id, title: "first", primary: ["NL"]));
        await store.RecordAsync(Articles.Classified(once, title: "only", primary: ["LU"]));
        await store.WaitForProjectionsAsync();
        var first = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await store.RecordAsync(Articles.Classified(id, revision: 2, title: "second", primary: ["BE"], mentioned: ["NL"]));
        await store.WaitForProjectionsAsync();
        var withdrawn = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await store.RecordAsync(Articles.Classified(id, revision: 3, title: "third", primary: ["NL"]));
        await store.WaitForProjectionsAsync();

        // Stored: the version in force at the top level, no computed copies; earlier versions only where there are some.
        var table = store.Store.Options.FindOrResolveDocumentType(typeof(CountryAlert)).TableName.QualifiedName;
        await using var command = store.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand(
            $"select id, data::text from {table} where id in ('{CountryAlert.IdFor("NL", id)}', '{CountryAlert.IdFor("BE", id)}', '{CountryAlert.IdFor("LU", once)}')");
        var stored = new Dictionary<string, JsonElement>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored[reader.GetString(0)] = JsonDocument.Parse(reader.GetString(1)).RootElement;
        var netherlands = stored[CountryAlert.IdFor("NL", id)];
        var belgium = stored[CountryAlert.IdFor("BE", id)];
        var luxembourg = stored[CountryAlert.IdFor("LU", once)];
        foreach (var document in new[] { netherlands, belgium, luxembourg })
        {
            Assert.False(document.TryGetProperty("Current", out _));
            Assert.False(document.TryGetProperty("Versions", out _));
        }
        Assert.False(luxembourg.TryGetProperty("Earlier", out _));
        Assert.False(luxembourg.TryGetProperty("WithdrawnAt", out _));
        Assert.Equal("only", luxembourg.GetProperty("Title").GetString());
        // Belgium alerted with revision 2 and was withdrawn by revision 3: the withdrawn version is the current one.
        Assert.False(belgium.GetProperty("Active").GetBoolean());
        Assert.Equal("second", belgium.GetProperty("Title").GetString());
        Assert.Equal(1, belgium.GetProperty("Earlier").GetArrayLength());
        Assert.Equal("third", netherlands.GetProperty("Title").GetString());
        Assert.Equal(3, netherlands.GetProperty("Revision").GetInt32());

        var alert = (await AlertAsync("NL", id))!;
        Assert.True(alert.Active);
        Assert.Null(alert.WithdrawnAt);
        Assert.Equal([(1, false, "first"), (1, true, "first"), (3, false, "third")],
            alert.Versions.Select(v => (v.Revision, v.Withdrawn, v.Title)).ToArray());
        Assert.Equal(alert.Versions[^1], alert.Current);
        Assert.Equal("first", alert.AsOf(first)?.Title);
        Assert.Null(alert.AsOf(withdrawn));
        Assert.Equal("third", alert.AsOf(DateTimeOffset.UtcNow)?.Title);
        Assert.Null(alert.AsOf(alert.DetectedAt.AddYears(-1)));

        // The API answers from it as before.
        async Task<int?> RevisionAsync(DateTimeOffset? asOf)
        {
            var query = asOf is { } at ? "?asOf=" + Uri.EscapeDataString(at.ToString("O")) : "";
            var page = await store.Http.GetFromJsonAsync<JsonElement>($"api/countries/NL/alerts{query}");
            return page.GetProperty("alerts").EnumerateArray().Where(a => a.GetProperty("articleId").GetString() == id)
                .Select(a => (int?)a.GetProperty("revision").GetInt32()).SingleOrDefault();
        }
        Assert.Equal(3, await RevisionAsync(null));
        Assert.Equal(1, await RevisionAsync(first));
        Assert.Null(await RevisionAsync(withdrawn));
    }

    [Fact]
    public async Task Day_stats_count_each_alert_once_by_topic_and_severity_and_follow_changes()
    {
        var day = DateTimeOffset.UtcNow.Date.AddDays(-1);
        var classifiedAt = new DateTimeOffset(day.AddHours(10), TimeSpan.Zero);
        var a = NewId();
        var b = NewId();
        await store.RecordAsync(Articles.Classified(a, primary: ["LT"], topics: [Topics.Cyber, Topics.HybridThreats], severity: Severity.Medium, classifiedAt: classifiedAt));
        await store.RecordAsync(Articles.Classified(b, primary: ["LT"], topics: [Topics.Cyber], severity: Severity.High, classifiedAt: classifiedAt));
        // b is edited into non-security news: its alert goes, and so do its counts.
        await store.RecordAsync(Articles.Classified(b, revision: 2, primary: ["LT"], topics: [], severity: Severity.None));
        await store.WaitForProjectionsAsync();

        await using var session = store.Store.QuerySession();
        var stats = await session.LoadAsync<CountryDayStats>(CountryDayStats.IdFor("LT", classifiedAt));
        Assert.Equal(1, stats!.Alerts);
        Assert.Equal(new Dictionary<string, int> { [Topics.Cyber] = 1, [Topics.HybridThreats] = 1 }, stats.Topics);
        Assert.Equal(new Dictionary<string, int> { ["medium"] = 1 }, stats.Severities);

        var trend = await store.Http.GetFromJsonAsync<JsonElement>("api/countries/LT/trend?days=3");
        var days = trend.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(3, days.Count);
        var yesterday = days.Single(d => d.GetProperty("day").GetString() == DateOnly.FromDateTime(day).ToString("yyyy-MM-dd"));
        Assert.Equal(1, yesterday.GetProperty("alerts").GetInt32());
        Assert.Equal(1, yesterday.GetProperty("topics").GetProperty(Topics.HybridThreats).GetInt32());
    }

    [Fact]
    public async Task Country_detail_counts_the_last_24_hours_and_7_days_by_topic_and_severity()
    {
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["LV"], topics: [Topics.Cyber], severity: Severity.Low));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["LV"], topics: [Topics.Cyber, Topics.Sanctions], severity: Severity.High,
            classifiedAt: DateTimeOffset.UtcNow.AddDays(-3)));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["LV"], topics: [Topics.Terrorism], severity: Severity.Critical,
            classifiedAt: DateTimeOffset.UtcNow.AddDays(-9)));
        await store.WaitForProjectionsAsync();

        var latvia = await store.Http.GetFromJsonAsync<JsonElement>("api/countries/LV");
        Assert.Equal("Latvia", latvia.GetProperty("name").GetString());
        Assert.Equal(1, latvia.GetProperty("alerts24h").GetInt32());
        Assert.Equal(2, latvia.GetProperty("alerts7d").GetInt32());
        Assert.Equal(3, latvia.GetProperty("alertsTotal").GetInt32());
        Assert.Equal(2, latvia.GetProperty("topics7d").GetProperty(Topics.Cyber).GetInt32());
        Assert.Equal(1, latvia.GetProperty("topics24h").GetProperty(Topics.Cyber).GetInt32());
        Assert.Equal(1, latvia.GetProperty("severities7d").GetProperty("high").GetInt32());
        Assert.False(latvia.GetProperty("severities7d").TryGetProperty("critical", out _));
        Assert.Equal("low", latvia.GetProperty("maxSeverity24h").GetString());
    }

    [Fact]
    public async Task Reclassify_records_a_new_verdict_only_where_the_current_classifier_disagrees()
    {
        var classifier = store.Services.GetRequiredService<IArticleClassifier>();
        var agreeing = NewId();
        var disagreeing = NewId();
        var title = "North Korea fires ballistic missile, Japan says";
        var text = "Japan protested after the ICBM test.";
        var verdict = classifier.Classify(new ArticleText(agreeing, title, text, "en"));
        var message = Articles.Classified(agreeing, title: title, primary: [], mentioned: [], version: verdict.ClassifierVersion) with
        {
            Language = verdict.Language, Countries = verdict.Countries, Topics = verdict.Topics, Severity = verdict.Severity,
        };
        message = message with { Article = message.Article with { Text = text, LanguageHint = "en" } };
        await store.RecordAsync(message);
        await store.RecordAsync(Articles.Classified(disagreeing, title: title, primary: ["BR"], topics: [Topics.Sanctions]) is var m
            ? m with { Article = m.Article with { Text = text, LanguageHint = "en" } } : null!);

        var report = await store.Services.GetRequiredService<ArticleReclassifier>().RunAsync(100, CancellationToken.None);
        Assert.True(report.Examined >= 2);

        await using var session = store.Store.QuerySession();
        Assert.DoesNotContain((await session.Events.FetchStreamAsync(agreeing)).Select(e => e.Data), e => e is ArticleReclassified);
        var reclassified = Assert.IsType<ArticleReclassified>((await session.Events.FetchStreamAsync(disagreeing))[^1].Data);
        Assert.Equal(verdict.Countries.Where(c => c.Primary).Select(c => c.Code).Order(), reclassified.Alert().Countries.Order());
        Assert.Equal(["BR"], reclassified.WithdrawnCountries());
        Assert.Equal("test-1", reclassified.PreviousClassifierVersion);

        var again = await store.Services.GetRequiredService<ArticleReclassifier>().RunAsync(100, CancellationToken.None);
        Assert.Equal(0, again.Reclassified);
    }

    [Fact]
    public async Task Reclassify_runs_while_live_ingestion_appends_to_the_same_articles()
    {
        var ids = Enumerable.Range(0, 150).Select(_ => NewId()).ToList();
        await store.RecordBatchAsync(ids.Select(id => Articles.Classified(id, title: "Cyberattack on Tallinn port", primary: ["EE"])).ToList());

        var reclassify = store.Services.GetRequiredService<ArticleReclassifier>().RunAsync(20, CancellationToken.None);
        foreach (var chunk in ids.Chunk(15))
            await store.RecordBatchAsync(chunk.Select(id => Articles.Classified(id, revision: 2, title: "Cyberattack on Tallinn port (updated)", primary: ["EE"])).ToList());
        var report = await reclassify;

        Assert.True(report.Examined >= 150);
        await using var session = store.Store.QuerySession();
        foreach (var id in ids)
        {
            var events = await session.Events.FetchStreamAsync(id);
            Assert.Single(events, e => e.Data is ArticleUpdated);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => e.Version));
        }
    }
}
