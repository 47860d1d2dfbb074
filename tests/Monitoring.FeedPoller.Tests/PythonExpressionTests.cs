using Monitoring.FeedPoller.Conformance;

namespace Monitoring.FeedPoller.Tests;

/// <summary>The evaluator of feedparser's Expect lines used by the opt-in conformance run.</summary>
public sealed class PythonExpressionTests
{
    private static readonly Dictionary<string, object?> Names = new()
    {
        ["bozo"] = false,
        ["encoding"] = "utf-8",
        ["entries"] = new List<object?> { new Dictionary<string, object?> { ["title"] = "A", ["tags"] = new List<object?> { new Dictionary<string, object?> { ["term"] = "t" } } } },
        ["feed"] = new Dictionary<string, object?> { ["title"] = "it's \u2026", ["updated_parsed"] = new List<object?> { 2003L, 12L, 31L } },
    };

    [Theory]
    [InlineData("not bozo and encoding == 'utf-8'", true)]
    [InlineData("entries[0]['title'] == 'A'", true)]
    [InlineData("entries[0].title == u'A'", true)]
    [InlineData("entries[0]['tags'][0]['term'] == 't'", true)]
    [InlineData("feed['title'] == 'it\\'s \\u2026'", true)]
    [InlineData("feed['updated_parsed'] == (2003, 12, 31)", true)]
    [InlineData("len(entries) == 1 and ord(entries[0]['title']) == 65", true)]
    [InlineData("not entries[0].has_key('link')", true)]
    [InlineData("entries[0].get('where') == {}", false)]
    [InlineData("bozo or encoding == 'us-ascii'", false)]
    public void Feedparser_expectations_evaluate_as_python_would(string expression, bool expected) =>
        Assert.Equal(expected, PythonExpression.IsTrue(expression, Names));

    [Fact]
    public void A_missing_key_is_an_error_as_in_python() =>
        Assert.Throws<PythonExpression.EvaluationException>(() => PythonExpression.IsTrue("entries[0]['link'] == 'x'", Names));
}
