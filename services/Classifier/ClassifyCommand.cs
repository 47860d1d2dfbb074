using System.Text.Json;
using System.Text.Json.Serialization;
using Monitoring.Classification;
using Monitoring.Hosting;

namespace Monitoring.Classifier;

/// <summary>
/// <c>classify</c>: JSON lines in (<c>id</c>, <c>title</c>, <c>text</c>, optional <c>url</c>, <c>language</c>),
/// one JSON line out per input. A malformed line answers <c>{"id":..., "error":...}</c> and the run goes on.
/// </summary>
public static class ClassifyCommand
{
    private static readonly JsonSerializerOptions Json = new(MonitoringJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<int> RunAsync(TextReader input, TextWriter output, IArticleClassifier? classifier = null)
    {
        classifier ??= new MultilingualClassifier();
        while (await input.ReadLineAsync() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            await output.WriteLineAsync(ClassifyLine(classifier, line));
        }
        await output.FlushAsync();
        return 0;
    }

    public static string ClassifyLine(IArticleClassifier classifier, string line)
    {
        string? id = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Error(null, "each line must be a JSON object");
            id = OptionalString(root, "id");
            var title = OptionalString(root, "title");
            var text = OptionalString(root, "text");
            if (id is null) return Error(null, "missing string field 'id'");
            if (title is null && text is null) return Error(id, "missing 'title' and 'text'");
            var result = classifier.Classify(new ArticleText(id, title ?? "", text ?? "",
                OptionalString(root, "language"), OptionalString(root, "url")));
            return JsonSerializer.Serialize(new
            {
                id,
                language = result.Language,
                countries = result.Countries.Select(c => new { code = c.Code, mentions = c.Mentions, primary = c.Primary }),
                topics = result.Topics.Select(t => new { id = t.Id, score = t.Score, evidence = t.Evidence }),
                severity = result.Severity,
                classifierVersion = result.ClassifierVersion,
            }, Json);
        }
        catch (JsonException e)
        {
            return Error(id, "malformed JSON: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Error(id, e.Message);
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw new InvalidOperationException($"field '{name}' must be a string"),
            }
            : null;

    private static string Error(string? id, string message) => JsonSerializer.Serialize(new { id, error = message }, MonitoringJson.Options);
}
