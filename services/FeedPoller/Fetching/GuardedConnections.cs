using System.Net;
using System.Net.Sockets;

namespace Monitoring.FeedPoller.Fetching;

/// <summary>
/// The HTTP handler every feed request goes through. The address check sits in <see cref="SocketsHttpHandler.ConnectCallback"/>:
/// the host is resolved there and the socket connects only to an address the policy allows, so the check is on the
/// address actually connected to — every redirect hop, every DNS answer (rebinding gets nowhere). No proxy is used,
/// since a proxy would connect on the poller's behalf. Redirects and decompression are handled by <see cref="FeedFetcher"/>
/// so that each hop is checked and each limit is enforced.
/// </summary>
public static class GuardedConnections
{
    public static SocketsHttpHandler CreateHandler(AddressPolicy policy, FetchLimits limits) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = limits.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        MaxConnectionsPerServer = 4,
        MaxResponseHeadersLength = 64, // KiB
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, policy, ct),
    };

    public static HttpClient CreateClient(AddressPolicy policy, FetchLimits limits) =>
        new(CreateHandler(policy, limits), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, AddressPolicy policy, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = addresses.Where(policy.Allows).ToList();
        if (allowed.Count == 0)
        {
            throw new AddressRefusedException(addresses.Length == 0
                ? $"{endpoint.Host} does not resolve"
                : $"{endpoint.Host} resolves to {string.Join(", ", addresses.Take(3))}: a loopback, private, link-local or reserved address is refused (MONITORING_ALLOW_PRIVATE_FEEDS=1 allows it)");
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}

/// <summary>The destination of a request is an address the policy does not allow.</summary>
public sealed class AddressRefusedException(string message) : Exception(message);
