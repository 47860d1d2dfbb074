using System.Security.Cryptography;
using System.Text;

namespace Monitoring.Alerts.Webhooks;

/// <summary>
/// <c>X-Monitoring-Signature: sha256=HEX</c>, HMAC-SHA256 with the subscription's secret over
/// <c>{X-Monitoring-Timestamp}.{body}</c>: the receiver recomputes it and rejects stale timestamps, so a
/// captured delivery can be neither altered nor replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Monitoring-Signature";
    public const string TimestampHeader = "X-Monitoring-Timestamp";
    public const string DeliveryHeader = "X-Monitoring-Delivery";
    public const string EventHeader = "X-Monitoring-Event";

    public static string Sign(string secret, long timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
