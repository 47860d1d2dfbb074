using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;
using Npgsql;

namespace Monitoring.Alerts.Tests;

/// <summary>The country queries answer from indexes and summaries, and answer exactly what a scan of the alerts would.</summary>
public sealed class CountryQueriesTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private string AlertTable => store.Store.Options.FindOrResolveDocumentType(typeof(CountryAlert)).TableName.QualifiedName;

    [Fact]
    public async Task Country_summaries_equal_a_scan_of_the_active_alerts_across_the_rolling_windows()
    {
        // Detections every 37 minutes over nine days, so every hour of the 24-hour and 7-day windows' first hours is
        // hit, some on both sides of each window's start; every third article withdrawn from one country later.
        var now = DateTimeOffset.UtcNow;
        var countries = new[] { "BE", "NL", "LU" };
        var ids = Enumerable.Range(0, 9 * 24 * 60 / 37).Select(_ => NewId()).ToList();
        await store.RecordBatchAsync(ids.Select((id, i) => Articles.Classified(id, primary: [countries[i % 3], countries[(i + 1) % 3]],
            topics: i % 2 == 0 ? [Topics.Cyber] : [Topics.Sanctions, Topics.ArmsTrade], severity: (Severity)(1 + i % 4),
            classifiedAt: now.AddMinutes(-37 * i - 1))).ToList());
        await store.RecordBatchAsync(ids.Where((_, i) => i % 3 == 0).Select((id, i) => Articles.Classified(id, revision: 2,
            primary: [countries[i % 3]], topics: [Topics.Cyber], severity: Severity.Low)).ToList());
        await store.WaitForProjectionsAsync();

        var summaries = await store.Http.GetFromJsonAsync<JsonElement>("api/countries");
        var asked = DateTimeOffset.UtcNow;
        foreach (var country in countries)
        {
            var summary = summaries.EnumerateArray().Single(s => s.GetProperty("code").GetString() == country);
            var (day, week, maxDay) = await ScanAsync(country, asked);
            Assert.Equal(day, summary.GetProperty("alerts24h").GetInt32());
            Assert.Equal(week, summary.GetProperty("alerts7d").GetInt32());
            Assert.Equal(maxDay.ToId(), summary.GetProperty("maxSeverity24h").GetString());
            Assert.True(week > day && day > 0, $"{country}: {day} in 24 h, {week} in 7 days");
        }
    }

    [Fact]
    public async Task A_countrys_alert_query_walks_the_country_and_detection_time_index()
    {
        await store.RecordBatchAsync(Enumerable.Range(0, 20).Select(i => Articles.Classified(NewId(), primary: ["MT"],
            classifiedAt: DateTimeOffset.UtcNow.AddMinutes(-i))).ToList());
        await store.WaitForProjectionsAsync();

        var database = store.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await database.OpenConnectionAsync();
        // A small table is cheapest to scan whole and sort; forbid that so the plan shows which index the query would walk
        // (with only the detection time index it would walk that one and filter the country).
        foreach (var setting in new[] { "enable_seqscan", "enable_bitmapscan", "enable_sort" })
        {
            await using var off = new NpgsqlCommand($"set {setting} = off", connection);
            await off.ExecuteNonQueryAsync();
        }
        await using var explain = new NpgsqlCommand(
            $"explain select data from {AlertTable} where country = 'MT' and active and data -> 'Topics' @> '[\"cyber\"]' order by detected_at desc limit 50",
            connection);
        var plan = string.Join("\n", await ReadAllAsync(explain));
        await using var indexes = new NpgsqlCommand(
            "select indexname from pg_indexes where schemaname = @schema and indexdef like '%(country, detected_at)'", connection);
        indexes.Parameters.AddWithValue("schema", store.SchemaName);
        var composite = Assert.Single(await ReadAllAsync(indexes));

        Assert.True(plan.Contains($"Index Scan Backward using {composite}"), plan);
        Assert.True(plan.Contains("Index Cond: ((country)::text = 'MT'::text)"), plan);
    }

    private async Task<(int Day, int Week, Severity MaxDay)> ScanAsync(string country, DateTimeOffset now)
    {
        var database = store.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand($"""
            select count(*) filter (where detected_at >= @day)::int, count(*)::int, coalesce(max(severity_level) filter (where detected_at >= @day), 0)
            from {AlertTable} where country = @country and active and detected_at >= @week
            """);
        command.Parameters.AddWithValue("country", country);
        command.Parameters.AddWithValue("day", now.AddHours(-24));
        command.Parameters.AddWithValue("week", now.AddDays(-7));
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt32(1), (Severity)reader.GetInt32(2));
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return lines;
    }
}
