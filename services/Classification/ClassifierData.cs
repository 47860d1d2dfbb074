using System.Security.Cryptography;
using System.Text;

namespace Monitoring.Classification;

/// <summary>The classifier's data files, embedded in the assembly, and the version they give it.</summary>
public sealed class ClassifierData
{
    /// <summary>Bumped when the matching or scoring code changes in a way that changes results.</summary>
    public const string CodeVersion = "2.0";

    public static readonly string[] FileNames =
    [
        "gazetteer.generated.tsv", "gazetteer.supplement.tsv", "topics.tsv", "language-profiles.tsv",
    ];

    private readonly Dictionary<string, string> _files;

    private ClassifierData(Dictionary<string, string> files)
    {
        _files = files;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in FileNames)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\n" + files[name] + "\n"));
        }
        Version = $"classifier-{CodeVersion}+{Convert.ToHexStringLower(hash.GetHashAndReset())[..12]}";
    }

    /// <summary><c>classifier-{code version}+{hash of the data files}</c>: changes whenever rules or data change.</summary>
    public string Version { get; }

    public static ClassifierData Embedded()
    {
        var assembly = typeof(ClassifierData).Assembly;
        var files = new Dictionary<string, string>();
        foreach (var name in FileNames)
        {
            using var stream = assembly.GetManifestResourceStream("Monitoring.Classification.Data." + name)
                ?? throw new InvalidOperationException($"Embedded data file {name} is missing.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files[name] = reader.ReadToEnd();
        }
        return new ClassifierData(files);
    }

    /// <summary>For tests and tools: the embedded data with one file replaced.</summary>
    public ClassifierData With(string name, string content) => new(new Dictionary<string, string>(_files) { [name] = content });

    /// <summary>Rows of a TAB-separated file; blank lines and lines starting with # are skipped.</summary>
    public IEnumerable<(int Line, string[] Fields)> Rows(string name)
    {
        var lineNumber = 0;
        foreach (var line in _files[name].Split('\n'))
        {
            lineNumber++;
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            yield return (lineNumber, trimmed.Split('\t'));
        }
    }

    public static InvalidDataException Invalid(string file, int line, string problem) =>
        new($"{file} line {line}: {problem}");
}
