using System.Text.Json.Serialization;

namespace Monitoring.Contracts;

/// <summary>
/// Alert severity, ordered: comparisons such as <c>severity &gt;= Severity.Medium</c> are meaningful.
/// Stored as its number (so the store can compare), written as its lower-case name in every JSON
/// the system shows or sends (see <see cref="Monitoring.Hosting.MonitoringJson"/>).
/// </summary>
public enum Severity
{
    [JsonStringEnumMemberName("none")] None = 0,
    [JsonStringEnumMemberName("low")] Low = 1,
    [JsonStringEnumMemberName("medium")] Medium = 2,
    [JsonStringEnumMemberName("high")] High = 3,
    [JsonStringEnumMemberName("critical")] Critical = 4,
}

public static class Severities
{
    public static string ToId(this Severity severity) => severity switch
    {
        Severity.None => "none",
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    public static bool TryParse(string? text, out Severity severity)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "none": severity = Severity.None; return true;
            case "low": severity = Severity.Low; return true;
            case "medium": severity = Severity.Medium; return true;
            case "high": severity = Severity.High; return true;
            case "critical": severity = Severity.Critical; return true;
            default: severity = Severity.None; return false;
        }
    }
}
