using Monitoring.FeedPoller.Feeds;

namespace Monitoring.FeedPoller.Polling;

/// <summary>The feeds this poller watches, loaded from the operator's OPML list at start.</summary>
public sealed class FeedRegistry
{
    public FeedRegistry(IConfiguration configuration, IHostEnvironment environment)
    {
        var path = configuration["MONITORING_FEEDS_FILE"];
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Path.Combine(environment.ContentRootPath, "..", "..", "deploy", "feeds.opml");
        }
        FeedsFile = Path.GetFullPath(path);
        Feeds = FeedList.Load(FeedsFile).Select(f => new FeedState(f)).ToList();
    }

    public string FeedsFile { get; }

    public IReadOnlyList<FeedState> Feeds { get; }
}
