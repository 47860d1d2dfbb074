using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Contracts;
using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>The replay commands of the Alerts service, run as an operator runs them.</summary>
public sealed class AlertsCommandLineTests() : AlertsStore("cli")
{

    private static async Task<string> ReadModelsAsync(ServiceProcess alerts)
    {
        var countries = await alerts.Http.GetStringAsync("api/countries");
        var lists = new List<string> { countries };
        foreach (var code in new[] { "FR", "DE", "IT" })
        {
            lists.Add(await alerts.Http.GetStringAsync($"api/countries/{code}/alerts?limit=1000"));
            lists.Add(await alerts.Http.GetStringAsync($"api/countries/{code}/trend?days=7"));
        }
        return string.Join("\n", lists);
    }

    [Fact]
    public async Task Projections_rebuild_and_reclassify_run_from_the_command_line_and_rebuilt_answers_equal_the_live_ones()
    {
        var alerts = ServiceProcess.Start("Alerts", Environment);
        string live;
        try
        {
            await alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            await using (var bus = await BusPublisher.StartAsync(Broker.AmqpUri))
            {
                for (var i = 0; i < 60; i++)
                {
                    await bus.PublishAsync(ClassifiedArticles.Create($"cli-{i}", [new[] { "FR", "DE", "IT" }[i % 3]],
                        [i % 2 == 0 ? Topics.Cyber : Topics.Sanctions], (Severity)(1 + i % 4)));
                }
                await bus.PublishAsync(ClassifiedArticles.Create("cli-0", ["IT"], [Topics.Terrorism], Severity.Critical, revision: 2));
            }
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await alerts.Http.GetFromJsonAsync<JsonElement>("api/countries/IT/alerts?limit=1000")).GetProperty("alerts").GetArrayLength() < 21)
            {
                Assert.True(DateTime.UtcNow < deadline, "the alerts did not arrive");
                await Task.Delay(200);
            }
            // Each alert names its story once the assigner and the projection have caught up with it.
            foreach (var code in new[] { "FR", "DE", "IT" })
            {
                while ((await alerts.Http.GetFromJsonAsync<JsonElement>($"api/countries/{code}/alerts?limit=1000")).GetProperty("alerts")
                       .EnumerateArray().Any(a => a.GetProperty("storyId").ValueKind != JsonValueKind.String))
                {
                    Assert.True(DateTime.UtcNow < deadline, "the alerts did not name their stories");
                    await Task.Delay(200);
                }
            }
            await Task.Delay(1500);
            live = await ReadModelsAsync(alerts);
        }
        finally
        {
            await alerts.DisposeAsync();
        }

        var (rebuildExit, rebuildOutput) = await ServiceProcess.RunCommandAsync("Alerts", Environment, TimeSpan.FromMinutes(3), "projections", "rebuild");
        Assert.True(rebuildExit == 0, rebuildOutput);
        alerts = ServiceProcess.Start("Alerts", Environment);
        try
        {
            await alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(live, await ReadModelsAsync(alerts));
        }
        finally
        {
            await alerts.DisposeAsync();
        }

        // The articles were recorded with a made-up verdict, so the real classifier disagrees with some of them.
        var (reclassifyExit, reclassifyOutput) = await ServiceProcess.RunCommandAsync("Alerts", Environment, TimeSpan.FromMinutes(3), "reclassify");
        Assert.True(reclassifyExit == 0, reclassifyOutput);
        Assert.Contains("60 articles examined", reclassifyOutput);
        alerts = ServiceProcess.Start("Alerts", Environment);
        try
        {
            await alerts.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            var history = await alerts.Http.GetFromJsonAsync<JsonElement>("api/articles/cli-1");
            var types = history.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
            Assert.Equal(["article_fetched", "article_classified", "article_reclassified"], types);
        }
        finally
        {
            await alerts.DisposeAsync();
        }
    }
}
