using System.Text.Json;
using Monitoring.Classifier;

namespace Monitoring.Classification.Tests;

public sealed class ClassifyCommandTests
{
    private static async Task<string[]> RunAsync(string input)
    {
        var output = new StringWriter();
        var exit = await ClassifyCommand.RunAsync(new StringReader(input), output, SharedClassifier.Instance);
        Assert.Equal(0, exit);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Classify_writes_one_json_line_with_the_contract_fields_per_input_line()
    {
        var lines = await RunAsync("""{"id":"a1","title":"Japan and EU sign a security partnership","text":"Joint exercise planned.","language":"en"}""" + "\n");
        var root = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("a1", root.GetProperty("id").GetString());
        Assert.Equal("en", root.GetProperty("language").GetString());
        var countries = root.GetProperty("countries").EnumerateArray().ToList();
        Assert.Contains(countries, c => c.GetProperty("code").GetString() == "JP" && c.GetProperty("primary").GetBoolean());
        Assert.True(countries[0].GetProperty("mentions").GetInt32() >= 1);
        var topic = root.GetProperty("topics").EnumerateArray().First();
        Assert.True(topic.GetProperty("score").GetDouble() > 0);
        Assert.NotEmpty(topic.GetProperty("evidence").EnumerateArray());
        Assert.Equal("low", root.GetProperty("severity").GetString()); // cooperation and an exercise: no violence, no weapons of mass destruction
        Assert.StartsWith("classifier-", root.GetProperty("classifierVersion").GetString());
    }

    [Fact]
    public async Task A_malformed_line_yields_an_error_line_and_processing_continues()
    {
        var lines = await RunAsync("{not json\n" + """{"id":"b2","title":"Plain news","text":""}""" + "\n");
        Assert.Equal(2, lines.Length);
        var error = JsonDocument.Parse(lines[0]).RootElement;
        Assert.True(error.TryGetProperty("id", out _), "error line carries an id field");
        Assert.Contains("malformed JSON", error.GetProperty("error").GetString());
        Assert.Equal("b2", JsonDocument.Parse(lines[1]).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_line_without_an_id_or_with_a_non_string_field_is_reported_with_what_is_wrong()
    {
        var lines = await RunAsync("""{"title":"x"}""" + "\n" + """{"id":"c3","title":5}""" + "\n");
        Assert.Contains("'id'", JsonDocument.Parse(lines[0]).RootElement.GetProperty("error").GetString());
        var second = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal("c3", second.GetProperty("id").GetString());
        Assert.Contains("'title' must be a string", second.GetProperty("error").GetString());
    }
}
