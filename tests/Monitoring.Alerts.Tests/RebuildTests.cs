using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Monitoring.Alerts.CountryAlerts;
using Monitoring.Contracts;

namespace Monitoring.Alerts.Tests;

/// <summary>Rebuilding stops the live projection agents, so it gets a store of its own.</summary>
public sealed class RebuildTests(AlertStoreFixture store) : IClassFixture<AlertStoreFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Rebuilt_projections_equal_the_live_ones_document_for_document()
    {
        // A history with new articles, edits, withdrawals and reclassifications across several countries and days.
        var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToList();
        var countries = new[] { "PL", "CZ", "SK", "HU" };
        await store.RecordBatchAsync(ids.Select((id, i) => Articles.Classified(id, primary: [countries[i % 4], countries[(i + 1) % 4]],
            topics: i % 3 == 0 ? [Topics.Cyber] : [Topics.MilitaryActivity, Topics.ArmsTrade], severity: (Severity)(1 + i % 4),
            classifiedAt: DateTimeOffset.UtcNow.AddDays(-(i % 5)))).ToList());
        await store.RecordBatchAsync(ids.Where((_, i) => i % 2 == 0).Select(id => Articles.Classified(id, revision: 2, primary: ["PL"],
            mentioned: ["CZ"], topics: [Topics.Sanctions], severity: Severity.Medium)).ToList());
        await store.RecordBatchAsync(ids.Where((_, i) => i % 5 == 0).Select(id => Articles.Classified(id, revision: 3, topics: [],
            severity: Severity.None)).ToList());
        await store.WaitForProjectionsAsync();
        var live = await SnapshotAsync();

        var daemon = store.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
        foreach (var projection in AlertsModule.CountryViews)
        {
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(2), CancellationToken.None);
            await daemon.StartAgentAsync($"{projection}:All", CancellationToken.None);
        }
        var rebuilt = await SnapshotAsync();

        Assert.True(live.Count > 80, $"only {live.Count} documents to compare");
        Assert.Equal(live.Keys.Order(), rebuilt.Keys.Order());
        var different = live.Where(pair => pair.Value != rebuilt[pair.Key]).Select(pair => $"{pair.Key}\n live:    {pair.Value}\n rebuilt: {rebuilt[pair.Key]}").ToList();
        Assert.True(different.Count == 0, $"{different.Count} documents differ:\n{string.Join("\n", different.Take(3))}");
    }

    private async Task<Dictionary<string, string>> SnapshotAsync()
    {
        await using var session = store.Store.QuerySession();
        var alerts = await session.Query<CountryAlert>().ToListAsync();
        var stats = await session.Query<CountryDayStats>().ToListAsync();
        var options = new JsonSerializerOptions { WriteIndented = false };
        return alerts.Select(a => ("alert:" + a.Id, JsonSerializer.Serialize(a, options)))
            .Concat(stats.Select(s => ("stats:" + s.Id, JsonSerializer.Serialize(Normalised(s), options))))
            .ToDictionary(x => x.Item1, x => x.Item2);
    }

    private static object Normalised(CountryDayStats s) => new
    {
        s.Id, s.Country, s.Day, s.Alerts, s.LastAlertAt,
        Topics = s.Topics.OrderBy(t => t.Key).ToList(), Severities = s.Severities.OrderBy(t => t.Key).ToList(),
        Hours = s.Hours.OrderBy(h => h.Key).Select(h => new { Hour = h.Key, Severities = h.Value.OrderBy(v => v.Key).ToList() }).ToList(),
    };

}
