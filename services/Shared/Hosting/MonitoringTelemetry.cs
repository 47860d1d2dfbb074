using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Monitoring.Hosting;

/// <summary>
/// The activity source and meter every Monitoring service records its own work on, and the pieces that make
/// one trace per article across services: RabbitMQ carries the context in MassTransit's headers, the event
/// store carries it in each event's <c>traceparent</c> header, and later stages continue from there.
/// </summary>
public static class MonitoringTelemetry
{
    public const string SourceName = "Monitoring";
    public const string TraceParentHeader = "traceparent";

    /// <summary>The header MassTransit 8 propagates the sending activity's W3C id in.</summary>
    public const string MassTransitActivityHeader = "Diagnostic-Id";

    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(SourceName);

    /// <summary>How long each stage of the pipeline took, from the article's fetch time, in milliseconds.</summary>
    public static readonly Histogram<double> StageLatency = Meter.CreateHistogram<double>(
        "monitoring.pipeline.latency", unit: "ms",
        description: "Time from an article's fetch to the end of a pipeline stage (tag stage: classified, recorded, alerted)");

    public static class Stages
    {
        public const string Classified = "classified";
        public const string Recorded = "recorded";
        public const string Alerted = "alerted";
    }

    public static void RecordStage(string stage, DateTimeOffset fetchedAt, DateTimeOffset now) =>
        StageLatency.Record(Math.Max(0, (now - fetchedAt).TotalMilliseconds), new KeyValuePair<string, object?>("stage", stage));

    /// <summary>The trace context a W3C traceparent string names, or default when it is missing or malformed.</summary>
    public static ActivityContext ParentFrom(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
}
