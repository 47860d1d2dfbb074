namespace Monitoring.Alerts.Stories;

/// <summary>
/// How stories are grouped and when one is breaking. Every figure is configuration (environment variables,
/// <c>MONITORING_STORY_*</c>); changing one changes future assignments only, never recorded ones.
/// </summary>
public sealed record StoryOptions
{
    /// <summary>An article can join a story whose members are at most this far apart in time from it.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Cross-language links (no shared text) need members closer than this.</summary>
    public TimeSpan CrossLanguageWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Estimated Jaccard similarity of normalised text above which two same-language articles are near-duplicates.</summary>
    public double DuplicateSimilarity { get; init; } = 0.5;

    /// <summary>Weighted overlap of names and numbers above which a same-language article with related text joins.</summary>
    public double SameEventOverlap { get; init; } = 0.3;

    /// <summary>Weighted overlap of names and numbers above which an article joins across languages.</summary>
    public double CrossLanguageOverlap { get; init; } = 0.4;

    /// <summary>Breaking: distinct new sources are counted over this rolling window.</summary>
    public TimeSpan BreakingWindow { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Breaking needs at least this many new sources in the window, whatever the baseline.</summary>
    public int BreakingMinSources { get; init; } = 3;

    /// <summary>Breaking needs this many times the baseline's new sources per story-hour.</summary>
    public double BreakingFactor { get; init; } = 3.0;

    /// <summary>The topic × country baseline is averaged over this many hours before the current one.</summary>
    public int BaselineHours { get; init; } = 168;

    /// <summary>The baseline used while a topic × country has fewer story-hours than <see cref="BaselineMinSamples"/>.</summary>
    public double BaselineDefault { get; init; } = 1.0;

    public int BaselineMinSamples { get; init; } = 20;

    /// <summary>A story stays "breaking" this long after its last surge.</summary>
    public TimeSpan BreakingHold { get; init; } = TimeSpan.FromHours(6);

    /// <summary>
    /// How long an alert waits for the story assigner at most (from when an alert path first saw it waiting) before it is
    /// sent without its <c>storyId</c>: the bound stories may add to an alert's latency.
    /// </summary>
    public TimeSpan AlertWait { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Classification events the assigner reads per page (one transaction) at most; behind a backlog it reads the next page while writing one.</summary>
    public int PageSize { get; init; } = 1000;

    public static StoryOptions From(IConfiguration configuration)
    {
        var defaults = new StoryOptions();
        return new StoryOptions
        {
            Window = TimeSpan.FromHours(Positive(configuration, "MONITORING_STORY_WINDOW_HOURS", defaults.Window.TotalHours)),
            CrossLanguageWindow = TimeSpan.FromHours(Positive(configuration, "MONITORING_STORY_CROSS_LANGUAGE_WINDOW_HOURS", defaults.CrossLanguageWindow.TotalHours)),
            DuplicateSimilarity = Fraction(configuration, "MONITORING_STORY_DUPLICATE_SIMILARITY", defaults.DuplicateSimilarity),
            SameEventOverlap = Fraction(configuration, "MONITORING_STORY_SAME_EVENT_OVERLAP", defaults.SameEventOverlap),
            CrossLanguageOverlap = Fraction(configuration, "MONITORING_STORY_CROSS_LANGUAGE_OVERLAP", defaults.CrossLanguageOverlap),
            BreakingWindow = TimeSpan.FromMinutes(Positive(configuration, "MONITORING_STORY_BREAKING_WINDOW_MINUTES", defaults.BreakingWindow.TotalMinutes)),
            BreakingMinSources = (int)Positive(configuration, "MONITORING_STORY_BREAKING_MIN_SOURCES", defaults.BreakingMinSources),
            BreakingFactor = Positive(configuration, "MONITORING_STORY_BREAKING_FACTOR", defaults.BreakingFactor),
            BaselineHours = (int)Positive(configuration, "MONITORING_STORY_BASELINE_HOURS", defaults.BaselineHours),
            BaselineDefault = Positive(configuration, "MONITORING_STORY_BASELINE_DEFAULT", defaults.BaselineDefault),
            BaselineMinSamples = (int)Positive(configuration, "MONITORING_STORY_BASELINE_MIN_SAMPLES", defaults.BaselineMinSamples),
            BreakingHold = TimeSpan.FromHours(Positive(configuration, "MONITORING_STORY_BREAKING_HOLD_HOURS", defaults.BreakingHold.TotalHours)),
            AlertWait = TimeSpan.FromMilliseconds(Positive(configuration, "MONITORING_STORY_WAIT_MS", defaults.AlertWait.TotalMilliseconds)),
            PageSize = Math.Max(1, (int)Positive(configuration, "MONITORING_STORY_PAGE_SIZE", defaults.PageSize)),
        };
    }

    private static double Positive(IConfiguration configuration, string name, double fallback)
    {
        if (configuration[name] is not { } text) return fallback;
        return double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{name}='{text}' must be a positive number.");
    }

    private static double Fraction(IConfiguration configuration, string name, double fallback)
    {
        var value = Positive(configuration, name, fallback);
        return value <= 1 ? value : throw new InvalidOperationException($"{name}='{value}' must be between 0 and 1.");
    }
}
