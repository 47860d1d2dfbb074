using System.Net;
using System.Net.Sockets;

namespace Monitoring.Hosting;

/// <summary>
/// Keeps server-side requests (webhooks, feeds) away from the machine itself, private networks, link-local and
/// cloud metadata addresses unless an operator allows them. The check runs on the address actually connected
/// to, for every connection (every redirect hop too), so DNS rebinding cannot slip past it.
/// </summary>
public static class OutboundAddressPolicy
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast) return true;
            var first = address.GetAddressBytes()[0];
            return (first & 0xfe) == 0xfc; // fc00::/7 unique local
        }
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] >= 64 && b[1] <= 127,          // 100.64.0.0/10 carrier-grade NAT
            169 => b[1] == 254,                        // link-local, cloud metadata 169.254.169.254
            172 => b[1] >= 16 && b[1] <= 31,
            192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0) || (b[1] == 0 && b[2] == 2),
            198 => b[1] == 18 || b[1] == 19,           // benchmarking
            >= 224 => true,                            // multicast, reserved, broadcast
            _ => false,
        };
    }

    /// <summary>
    /// A handler whose every connection is refused when it would reach a private address (unless
    /// <paramref name="allowPrivate"/>), with a clear error naming the address.
    /// </summary>
    public static SocketsHttpHandler Handler(bool allowPrivate, int maxRedirects = 5) => new()
    {
        AllowAutoRedirect = maxRedirects > 0,
        MaxAutomaticRedirections = Math.Max(1, maxRedirects),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.All,
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            var allowed = allowPrivate ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
                throw new HttpRequestException(
                    $"refusing to connect to {context.DnsEndPoint.Host} ({string.Join(", ", addresses.Select(a => a.ToString()))}): private, loopback or link-local address");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
