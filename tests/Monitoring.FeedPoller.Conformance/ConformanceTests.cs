using Monitoring.FeedPoller.Conformance;

namespace Monitoring.FeedPoller.Conformance.Tests;

/// <summary>
/// The parser against other parsers' conformance suites, read in place from the shared corpus (never copied into the
/// repository). A missing corpus is a failure, not a skip: an opt-in run that did not run must not look green.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly Lazy<string> Corpus = new(() =>
    {
        var configured = Environment.GetEnvironmentVariable("MONITORING_CONFORMANCE_CORPUS");
        var path = string.IsNullOrWhiteSpace(configured) ? Path.Combine(RepositoryRoot(), "..", "shared", "corpus") : configured;
        return Directory.Exists(path)
            ? Path.GetFullPath(path)
            : throw new DirectoryNotFoundException($"conformance corpus not found at {Path.GetFullPath(path)}; set MONITORING_CONFORMANCE_CORPUS");
    });

    private static readonly Lazy<List<SuiteResult>> Results = new(() => ConformanceCommand.RunSuites(Corpus.Value));

    private static SuiteResult Suite(string name) =>
        Results.Value.SingleOrDefault(r => r.Suite == name) ?? throw new InvalidOperationException($"suite {name} not found under {Corpus.Value}");

    [Fact]
    public void Nothing_in_the_corpus_crashes_or_hangs_the_parser()
    {
        var sweep = ConformanceCommand.Sweep(Corpus.Value);
        Assert.True(sweep.Files > 400, $"only {sweep.Files} files found under {Corpus.Value}");
        Assert.Empty(sweep.Crashes);
        Assert.Empty(sweep.Hangs);
    }

    [Fact]
    public void At_least_90_percent_of_feedparsers_wellformed_and_encoding_cases_pass()
    {
        var result = ConformanceCommand.WellformedAndEncoding(Suite("feedparser"));
        Assert.True(result.Total >= 180, $"{result.Total} cases");
        Assert.True(result.Rate >= 0.90, Failures(result));
    }

    [Fact]
    public void Every_feedparser_illformed_case_is_an_error_or_a_lenient_parse_never_a_crash()
    {
        var illformed = Suite("feedparser").Expectations.Where(e => e.File.StartsWith("illformed", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(illformed);
        // The three geo cases state GeoRSS values, which this parser does not model; all others must hold.
        Assert.All(illformed.Where(e => !e.File.Contains("geo", StringComparison.Ordinal)), e => Assert.True(e.Passed, $"{e.File}: {e.What} — {e.Detail}"));
    }

    [Theory]
    [InlineData("feed-rs")]
    [InlineData("gofeed")]
    [InlineData("Rome")]
    [InlineData("CodeHollow")]
    public void At_least_95_percent_of_the_expectations_on_modelled_fields_pass(string suite)
    {
        var result = Suite(suite);
        Assert.True(result.Total - result.NotModelled > 50, $"{suite}: only {result.Total - result.NotModelled} modelled expectations");
        Assert.True(result.ModelledRate >= 0.95, Failures(result));
    }

    private static string Failures(SuiteResult result) =>
        $"{result.Suite}: {result.Passed}/{result.Total} ({result.Rate:P1}), modelled {result.ModelledRate:P1}\n" +
        string.Join("\n", result.Expectations.Where(e => !e.Passed && e.Modelled).Take(40).Select(e => $"{e.File}: {e.What} — {e.Detail}"));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Monitoring.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Monitoring.sln not found above " + AppContext.BaseDirectory);
    }
}
