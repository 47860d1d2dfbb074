using System.Net;
using System.Net.Sockets;

namespace Monitoring.FeedPoller.Fetching;

/// <summary>
/// Which addresses the poller may connect to. By default only public unicast addresses: no loopback, private,
/// carrier-grade NAT, link-local (cloud metadata at 169.254.169.254 lives there), multicast, reserved or
/// documentation ranges, IPv4 embedded in IPv6 included. <c>MONITORING_ALLOW_PRIVATE_FEEDS=1</c> allows all.
/// </summary>
/// <param name="exceptions">Addresses allowed although not public (one known host, e.g. a test server), nothing else.</param>
public sealed class AddressPolicy(bool allowPrivate, IReadOnlySet<IPAddress>? exceptions = null)
{
    public static readonly AddressPolicy PublicOnly = new(false);
    public static readonly AddressPolicy AllowAll = new(true);

    private static readonly (IPAddress Network, int Prefix)[] BlockedV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.0.2.0"), 24), (IPAddress.Parse("192.88.99.0"), 24),
        (IPAddress.Parse("192.168.0.0"), 16), (IPAddress.Parse("198.18.0.0"), 15), (IPAddress.Parse("198.51.100.0"), 24),
        (IPAddress.Parse("203.0.113.0"), 24), (IPAddress.Parse("224.0.0.0"), 4), (IPAddress.Parse("240.0.0.0"), 4),
    ];

    private static readonly (IPAddress Network, int Prefix)[] BlockedV6 =
    [
        (IPAddress.Parse("::"), 128), (IPAddress.Parse("::1"), 128), (IPAddress.Parse("fc00::"), 7), (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("fec0::"), 10), (IPAddress.Parse("ff00::"), 8), (IPAddress.Parse("2001:db8::"), 32), (IPAddress.Parse("100::"), 64),
    ];

    public bool AllowsPrivate => allowPrivate;

    public bool Allows(IPAddress address) => allowPrivate || IsPublic(address) || exceptions?.Contains(address) == true;

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that decides.
            if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b) return IsPublic(new IPAddress(bytes[12..16]));
            if (bytes[0] == 0x20 && bytes[1] == 0x02) return IsPublic(new IPAddress(bytes[2..6]));
            // IPv4-compatible addresses (::a.b.c.d, deprecated) likewise.
            if (bytes[..12].All(b => b == 0) && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0)) return IsPublic(new IPAddress(bytes[12..16]));
            return !BlockedV6.Any(range => InRange(bytes, range.Network.GetAddressBytes(), range.Prefix));
        }
        var v4 = address.GetAddressBytes();
        if (v4.All(b => b == 255)) return false;
        return !BlockedV4.Any(range => InRange(v4, range.Network.GetAddressBytes(), range.Prefix));
    }

    private static bool InRange(byte[] address, byte[] network, int prefix)
    {
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) return false;
        }
        return true;
    }
}
