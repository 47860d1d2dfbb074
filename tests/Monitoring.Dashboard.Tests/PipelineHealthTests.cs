using Monitoring.Contracts;
using OpenQA.Selenium;

namespace Monitoring.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class PipelineHealthTests(DashboardFixture fixture)
{
    [Fact]
    public void Pipeline_panel_shows_queue_depths_and_consumers_projection_lag_and_stage_rates()
    {
        fixture.OpenOverview();
        // The Alerts service's own consumer queue, with its consumer (the service's bus may still be connecting at first).
        var queue = fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector("#pipeline tr[data-queue='alerts-article-classified'] td"))
            .Select(td => td.Text).ToList() is [_, _, _, "1", ..] cells ? cells : null, "the Alerts consumer queue with one consumer", seconds: 20)!;
        Assert.Matches("^[0-9,]+$", queue[1]); // depth, as the management API last sampled it

        var views = fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector("#pipeline tr[data-projection='country-alerts:All'] td"))
            .Select(td => td.Text).ToList() is [_, _, "0", ..] cells ? cells : null, "the country alert view caught up with the store")!;
        Assert.True(long.Parse(views[1].Replace(",", "")) > 0);
        var tiles = fixture.Browser.Driver.FindElements(By.CssSelector("#pipeline .tile-label")).Select(t => t.Text).ToList();
        Assert.Equal(["fetched", "classified", "recorded", "alerted", "fetch → alert p50"], tiles);
        Assert.Matches("^p95 .+ · p99 .+$", fixture.Browser.Driver.FindElement(By.CssSelector("#pipeline .tile-detail")).Text);
    }

    [Fact]
    public async Task A_poison_message_shows_as_a_failing_error_queue_on_the_pipeline_panel()
    {
        // A classification without countries: the Alerts service rejects it to its error queue, and the panel marks
        // that queue (the management API samples every few seconds; the panel refreshes by itself).
        var article = DashboardScenario.Articles[0];
        var poison = DashboardScenario.Classified(article, fixture.RunId + "-poison", fixture.Now) with { Countries = null! };
        await fixture.PublishAsync(poison);

        fixture.OpenOverview();
        var row = fixture.Browser.WaitFor(d => d.FindElements(By.CssSelector("#pipeline tr[data-queue='alerts-article-classified_error']"))
            .FirstOrDefault(r => (r.GetAttribute("class") ?? "").Contains("bad")), "the error queue marked as failing", seconds: 45)!;
        var cells = row.FindElements(By.CssSelector("td")).Select(td => td.Text).ToList();
        Assert.True(long.Parse(cells[1].Replace(",", "")) >= 1, $"error queue row: {string.Join(" | ", cells)}");
        fixture.Browser.Screenshot("pipeline-poison-message");
    }
}
