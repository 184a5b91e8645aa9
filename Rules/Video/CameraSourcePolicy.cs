using System.Net;
using CityControl.Rules.Devices;

namespace CityControl.Rules.Video;

/// <summary>Where camera streams may come from, from <c>CityControl:CameraSources</c>.</summary>
public sealed class CameraSourceOptions
{
    public const string Section = "CityControl:CameraSources";

    /// <summary>Folders whose video files may be played as a camera (<c>file://</c>); none by default.</summary>
    public List<string> FileFolders { get; set; } = [];

    /// <summary>
    /// Networks (CIDR) a stream may come from although they are refused by default: loopback, link-local, cloud
    /// metadata and the configured <see cref="BlockedNetworks"/>. Private ranges (camera VLANs) are allowed anyway.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>More networks (CIDR) no stream may come from, e.g. the platform's own service network.</summary>
    public List<string> BlockedNetworks { get; set; } = [];
}

/// <summary>
/// Keeps camera stream addresses from reaching what the server, not the camera, can reach (server-side request
/// forgery): only rtsp, rtsps, http and https to addresses that are not loopback, link-local (cloud metadata lives
/// there), unspecified, multicast or blocked by configuration, and files only below configured folders. Checked when
/// an address is set (its literal host) and again when a worker connects (every address its host name resolves to).
/// </summary>
public static class CameraSourcePolicy
{
    public const string Field = "camera.streamUrl";

    private static readonly IPNetwork[] RefusedByDefault =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("100.100.100.200/32"), // Alibaba Cloud's metadata service
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("255.255.255.255/32"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fd00:ec2::254/128"), // AWS metadata over IPv6
        IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>The address as set on a camera: scheme, file folder, and a host that is an IP literal or "localhost".</summary>
    public static RuleViolation? Check(string? address, CameraSourceOptions options)
    {
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return new(Field, "must be an absolute rtsp, rtsps, http, https or file URL");
        }

        if (uri.IsFile)
        {
            return CheckFile(uri, options);
        }

        if (uri.Scheme is not ("rtsp" or "rtsps" or "http" or "https"))
        {
            return new(Field, "must be an absolute rtsp, rtsps, http, https or file URL");
        }

        if (uri.UserInfo.Length > 0 && uri.Scheme is "http" or "https")
        {
            return new(Field, "must not carry credentials in an http address; use rtsp credentials or the camera's own account");
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return Refused(host, "a loopback name", options);
        }

        return uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
            ? CheckAddresses([ip], options)
            : null;
    }

    /// <summary>Every address a stream's host resolved to, at connection time: one refused address refuses the stream.</summary>
    public static RuleViolation? CheckAddresses(IEnumerable<IPAddress> addresses, CameraSourceOptions options)
    {
        var allowed = Parse(options.AllowedNetworks);
        var blocked = RefusedByDefault.Concat(Parse(options.BlockedNetworks)).ToList();
        foreach (var raw in addresses)
        {
            var ip = raw.IsIPv4MappedToIPv6 ? raw.MapToIPv4() : raw;
            foreach (var network in blocked.Where(n => n.BaseAddress.AddressFamily == ip.AddressFamily && n.Contains(ip)))
            {
                if (!allowed.Any(n => n.BaseAddress.AddressFamily == ip.AddressFamily && n.Contains(ip)))
                {
                    return new(Field, $"must not point at {ip} ({Describe(network)}): the server would fetch it; allow the network in CityControl:CameraSources:AllowedNetworks if cameras really live there");
                }
            }
        }

        return null;
    }

    private static RuleViolation? Refused(string host, string what, CameraSourceOptions options) =>
        Parse(options.AllowedNetworks).Any(n => n.Contains(IPAddress.Loopback))
            ? null
            : new(Field, $"must not point at {host} ({what}): the server would fetch it");

    private static RuleViolation? CheckFile(Uri uri, CameraSourceOptions options)
    {
        if (!uri.IsLoopback && uri.Host.Length > 0)
        {
            return new(Field, "must not name a file on another host");
        }

        var path = Path.GetFullPath(uri.LocalPath);
        foreach (var folder in options.FileFolders.Where(f => !string.IsNullOrWhiteSpace(f)))
        {
            var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
            if (path.StartsWith(root, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return new(Field, options.FileFolders.Count == 0
            ? "must not be a file: no folder of video files is configured (CityControl:CameraSources:FileFolders)"
            : "must be a file below one of the configured video folders (CityControl:CameraSources:FileFolders)");
    }

    private static string Describe(IPNetwork network) => network.ToString() switch
    {
        "127.0.0.0/8" or "::1/128" => "loopback",
        "169.254.0.0/16" or "fe80::/10" => "link-local, where cloud metadata services answer",
        "100.100.100.200/32" or "fd00:ec2::254/128" => "a cloud metadata service",
        "0.0.0.0/8" or "::/128" => "unspecified",
        "224.0.0.0/4" or "ff00::/8" or "255.255.255.255/32" => "multicast or broadcast",
        var other => $"blocked network {other}",
    };

    private static List<IPNetwork> Parse(IEnumerable<string> networks) =>
        [.. networks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => IPNetwork.Parse(n.Contains('/') ? n : n + (n.Contains(':') ? "/128" : "/32")))];
}
