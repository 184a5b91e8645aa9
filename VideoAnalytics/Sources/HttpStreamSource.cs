using System.Net;
using System.Net.Sockets;
using CityControl.Rules.Video;

namespace CityControl.Video.Sources;

/// <summary>
/// An HTTP(S) camera fetched by the platform itself and fed to ffmpeg on a pipe, so that no redirect and no DNS answer
/// can take the server anywhere the source policy refuses: redirects are followed here (at most five), each target
/// checked like the address an admin typed, and every connection is made only to an address the policy allows, checked
/// at the moment of connecting (a name that resolves elsewhere the second time is caught too). ffmpeg never sees a URL.
/// </summary>
public static class HttpStreamSource
{
    public const int MaxRedirects = 5;

    public static IFrameSource Open(string address, FfmpegOptions ffmpeg, CameraSourceOptions sources, Func<string, IPAddress[]>? resolve = null)
    {
        var lookup = resolve ?? Dns.GetHostAddresses;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = ffmpeg.StallTimeout,
            ConnectCallback = async (context, ct) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : lookup(host);
                if (addresses.Length == 0)
                {
                    throw new SourceRefusedException($"{host}: does not resolve");
                }

                if (CameraSourcePolicy.CheckAddresses(addresses, sources) is { } refused)
                {
                    throw new SourceRefusedException($"{host}: {refused.Message}");
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            // Opening a source is synchronous (the pipeline's own thread waits for it), the fetch is not.
            var response = FetchAsync(client, new Uri(address), sources, ffmpeg.StallTimeout).GetAwaiter().GetResult();
            var format = response.Content.Headers.ContentType?.MediaType switch
            {
                "multipart/x-mixed-replace" => "mpjpeg",
                "video/mp2t" or "video/MP2T" => "mpegts",
                "video/x-flv" => "flv",
                _ => null,
            };
            var body = response.Content.ReadAsStream(CancellationToken.None);
            return FfmpegSource.StartPiped(body, format, ffmpeg, new Owned(response, client));
        }
        catch (Exception ex) when (ex is HttpRequestException { InnerException: not SourceRefusedException } or OperationCanceledException)
        {
            client.Dispose();

            // The camera did not answer, or answered with an error: a connection failure like any other stream's.
            throw new IOException(ex is OperationCanceledException ? $"the camera did not answer within {ffmpeg.StallTimeout.TotalSeconds:0} s" : ex.Message, ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The response of the stream, after following allowed redirects; a refused target throws before it is contacted.</summary>
    private static async Task<HttpResponseMessage> FetchAsync(HttpClient client, Uri uri, CameraSourceOptions sources, TimeSpan timeout)
    {
        for (var hop = 0; ; hop++)
        {
            using var connect = new CancellationTokenSource(timeout);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseHeadersRead, connect.Token);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SourceRefusedException refused)
            {
                throw refused;
            }

            var status = (int)response.StatusCode;
            if (status is < 300 or > 399)
            {
                if (!response.IsSuccessStatusCode)
                {
                    response.Dispose();
                    throw new HttpRequestException($"the camera answered {status} {response.ReasonPhrase}");
                }

                return response;
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (location is null)
            {
                throw new HttpRequestException($"the camera answered {status} without a Location");
            }

            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next.Scheme is not ("http" or "https"))
            {
                throw new SourceRefusedException($"redirected to {next}: a camera may redirect only to http or https");
            }

            if (CameraSourcePolicy.Check(next.AbsoluteUri, sources) is { } refusedTarget)
            {
                throw new SourceRefusedException($"redirected to {next}: {refusedTarget.Message}");
            }

            if (hop + 1 >= MaxRedirects)
            {
                throw new SourceRefusedException($"more than {MaxRedirects} redirects");
            }

            uri = next;
        }
    }

    private sealed class Owned(HttpResponseMessage response, HttpClient client) : IDisposable
    {
        public void Dispose()
        {
            response.Dispose();
            client.Dispose();
        }
    }
}
