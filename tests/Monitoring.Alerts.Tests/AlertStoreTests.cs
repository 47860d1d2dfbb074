using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.Articles;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

public sealed class AlertStoreTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await store.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<IReadOnlyList<IEvent>> StreamAsync(string id)
    {
        await using var session = store.Store.QuerySession();
        return await session.Events.FetchStreamAsync(id);
    }

    [Fact]
    public async Task Recording_the_same_classified_article_twice_appends_its_events_once()
    {
        var id = NewId();
        Assert.True(await store.RecordAsync(Articles.Classified(id)));
        Assert.False(await store.RecordAsync(Articles.Classified(id)));
        Assert.Equal(["article_fetched", "article_classified"], (await StreamAsync(id)).Select(e => e.EventTypeName));
    }

    [Fact]
    public async Task An_articles_long_text_is_stored_lz4_compressed_and_reads_back_whole()
    {
        var id = NewId();
        var classified = Articles.Classified(id);
        // Several KB of text, as a real article has: PostgreSQL compresses a value over ~2 KB.
        var text = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"kalimat {i} tentang latihan militer bersama"));
        Assert.True(await store.RecordAsync(classified with { Article = classified.Article with { Text = text } }));

        await using var command = store.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand(
            $"select pg_column_compression(data) from {store.SchemaName}.mt_events where stream_id = $1 and type = 'article_fetched'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        Assert.Equal("lz4", await command.ExecuteScalarAsync());
        var fetched = Assert.IsType<Monitoring.Alerts.Articles.ArticleFetched>((await StreamAsync(id))[0].Data);
        Assert.Equal(text, fetched.Text);
    }

    [Fact]
    public async Task Two_deliveries_racing_each_other_append_the_events_once()
    {
        var id = NewId();
        var attempts = Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                return await store.RecordAsync(Articles.Classified(id));
            }
            catch (Exception e) when (e.GetType().Name.Contains("Concurrency") || e.GetType().Name.Contains("Collision"))
            {
                return false; // MassTransit retries these; the retry finds the events and appends nothing
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, recorded => recorded);
        Assert.Equal(2, (await StreamAsync(id)).Count);
    }

    [Fact]
    public async Task An_edited_article_appends_an_update_and_a_new_classification()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id));
        Assert.True(await store.RecordAsync(Articles.Classified(id, revision: 2, title: "Edited title")));
        Assert.Equal(["article_fetched", "article_classified", "article_updated", "article_classified"],
            (await StreamAsync(id)).Select(e => e.EventTypeName));
        await using var session = store.Store.QuerySession();
        var details = await session.LoadAsync<ArticleDetails>(id);
        Assert.Equal("Edited title", details!.Title);
        Assert.Equal(2, details.Classification!.Revision);
    }

    [Fact]
    public async Task The_projection_keeps_an_alert_for_each_primary_country_and_none_for_mentioned_ones()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["JP", "EU"], mentioned: ["CN"]));
        await store.WaitForProjectionsAsync();
        await using var session = store.Store.QuerySession();
        var alerts = await session.Query<CountryAlert>().Where(a => a.ArticleId == id).ToListAsync();
        Assert.Equal(["EU", "JP"], alerts.Select(a => a.Country).Order());
        Assert.All(alerts, a => Assert.Equal(["JP", "EU", "CN"], a.Current.Countries));
    }

    [Fact]
    public async Task An_article_without_security_topics_is_recorded_but_raises_no_alert()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id, primary: ["JP"], topics: [], severity: Severity.None));
        await store.WaitForProjectionsAsync();
        await using var session = store.Store.QuerySession();
        Assert.Empty(await session.Query<CountryAlert>().Where(a => a.ArticleId == id).ToListAsync());
        Assert.Equal(2, (await StreamAsync(id)).Count);
    }

    [Fact]
    public async Task Country_alerts_api_lists_the_article_newest_first_with_the_contract_fields()
    {
        var older = NewId();
        var newer = NewId();
        await store.RecordAsync(Articles.Classified(older, primary: ["NO"], classifiedAt: DateTimeOffset.UtcNow.AddMinutes(-10)));
        await store.RecordAsync(Articles.Classified(newer, primary: ["NO"]));
        await store.WaitForProjectionsAsync();

        var body = await GetJsonAsync("api/countries/no/alerts");
        Assert.Equal("NO", body.GetProperty("country").GetString());
        var alerts = body.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal([newer, older], alerts.Select(a => a.GetProperty("articleId").GetString()));
        foreach (var field in new[] { "articleId", "title", "url", "source", "language", "publishedAt", "detectedAt", "topics", "severity", "countries", "primary" })
            Assert.True(alerts[0].TryGetProperty(field, out _), $"alert has '{field}'");
        Assert.Equal("high", alerts[0].GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Country_alerts_api_filters_by_topic_severity_time_and_limit()
    {
        var cyber = NewId();
        var low = NewId();
        await store.RecordAsync(Articles.Classified(low, primary: ["SE"], topics: [Topics.Sanctions], severity: Severity.Low,
            classifiedAt: DateTimeOffset.UtcNow.AddDays(-3)));
        await store.WaitForProjectionsAsync();
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await store.RecordAsync(Articles.Classified(cyber, primary: ["SE"], topics: [Topics.Cyber], severity: Severity.Medium));
        await store.WaitForProjectionsAsync();

        static IEnumerable<string?> Ids(JsonElement body) => body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("articleId").GetString());
        Assert.Equal([cyber], Ids(await GetJsonAsync("api/countries/SE/alerts?topic=cyber")));
        Assert.Equal([cyber], Ids(await GetJsonAsync("api/countries/SE/alerts?minSeverity=medium")));
        Assert.Equal([cyber], Ids(await GetJsonAsync($"api/countries/SE/alerts?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"))}")));
        Assert.Equal([low], Ids(await GetJsonAsync($"api/countries/SE/alerts?asOf={Uri.EscapeDataString(between.ToString("O"))}")));
        Assert.Single(Ids(await GetJsonAsync("api/countries/SE/alerts?limit=1")));
    }

    [Theory]
    [InlineData("api/countries/JPN/alerts")]
    [InlineData("api/countries/JP/alerts?topic=football")]
    [InlineData("api/countries/JP/alerts?minSeverity=extreme")]
    public async Task Country_alerts_api_answers_400_with_a_reason_for_bad_parameters(string path)
    {
        using var response = await store.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Countries_api_summarises_each_country_with_alerts()
    {
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["FI"], topics: [Topics.HybridThreats], severity: Severity.Medium));
        await store.RecordAsync(Articles.Classified(NewId(), primary: ["FI"], topics: [Topics.HybridThreats, Topics.Cyber], severity: Severity.Critical,
            classifiedAt: DateTimeOffset.UtcNow.AddDays(-2)));
        await store.WaitForProjectionsAsync();

        var finland = (await GetJsonAsync("api/countries")).EnumerateArray().Single(c => c.GetProperty("code").GetString() == "FI");
        Assert.Equal("Finland", finland.GetProperty("name").GetString());
        Assert.Equal(1, finland.GetProperty("alerts24h").GetInt32());
        Assert.Equal(2, finland.GetProperty("alertsTotal").GetInt32());
        Assert.Equal("medium", finland.GetProperty("maxSeverity24h").GetString());
        Assert.Equal(Topics.HybridThreats, finland.GetProperty("topTopics")[0].GetString());
        Assert.True(finland.TryGetProperty("lastAlertAt", out _));
    }

    [Fact]
    public async Task Article_api_returns_the_article_with_its_full_event_history()
    {
        var id = NewId();
        await store.RecordAsync(Articles.Classified(id));
        var body = await GetJsonAsync($"api/articles/{id}");
        Assert.Equal(id, body.GetProperty("article").GetProperty("id").GetString());
        Assert.Equal(["article_fetched", "article_classified"],
            body.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        using var missing = await store.Http.GetAsync("api/articles/does-not-exist");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
