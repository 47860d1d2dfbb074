using System.Diagnostics;
using System.Xml.Linq;
using Monitoring.Testing;

namespace Monitoring.EndToEnd.Tests;

/// <summary>What deploy/ ships: the compose file, the default feed list and the offline demo feed.</summary>
public sealed class DeployTests
{
    private static readonly string Root = TestServers.RepositoryRoot;

    [Fact]
    public async Task Compose_file_validates_with_docker_compose_config()
    {
        var (command, arguments) = await CommandExistsAsync("docker-compose")
            ? ("docker-compose", new[] { "-f", "docker-compose.yml", "config", "-q" })
            : ("docker", new[] { "compose", "-f", "docker-compose.yml", "config", "-q" });
        var start = new ProcessStartInfo(command) { WorkingDirectory = Root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} config failed: {errors}");
    }

    [Fact]
    public void Default_feed_list_has_real_feeds_in_nine_languages_and_the_offline_demo_feed()
    {
        var outlines = XDocument.Load(Path.Combine(Root, "deploy", "feeds.opml")).Descendants("outline")
            .Where(o => o.Attribute("xmlUrl") is not null).ToList();
        var languages = outlines.Select(o => (string?)o.Attribute("language")).OfType<string>().ToHashSet();
        Assert.Superset(new HashSet<string> { "id", "en", "es", "fr", "de", "ru", "ar", "zh", "ja" }, languages);
        Assert.Contains(outlines, o => ((string)o.Attribute("xmlUrl")!).StartsWith("file:"));
        Assert.All(outlines.Where(o => !((string)o.Attribute("xmlUrl")!).StartsWith("file:")),
            o => Assert.StartsWith("https://", (string)o.Attribute("xmlUrl")!));
    }

    [Fact]
    public void Demo_feed_holds_the_seed_article()
    {
        var seedTitle = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-article.id.txt"))[0].Trim();
        var titles = XDocument.Load(Path.Combine(Root, "deploy", "demo", "demo-feed.xml")).Descendants("item")
            .Select(i => (string?)i.Element("title")).ToList();
        Assert.Contains(seedTitle, titles);
        Assert.True(titles.Count >= 5, "the demo feed has a handful of articles");
    }

    private static async Task<bool> CommandExistsAsync(string name)
    {
        using var which = Process.Start(new ProcessStartInfo("sh", ["-c", $"command -v {name}"]) { RedirectStandardOutput = true })!;
        await which.WaitForExitAsync();
        return which.ExitCode == 0;
    }
}
