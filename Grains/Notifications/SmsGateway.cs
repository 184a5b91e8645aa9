using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityControl.Incidents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityControl.Grains.Notifications;

/// <summary>The SMS gateway the platform tells people through, from <c>CityControl:Notifications:Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string Section = "CityControl:Notifications:Sms";

    /// <summary>The gateway's send endpoint (an HTTP POST of JSON); empty: no SMS gateway, and nobody is told by SMS.</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as a bearer token.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>The sender number or name the gateway shows.</summary>
    public string Sender { get; set; } = "CityControl";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>A way to tell people outside the control centre: one message to each of a list of phones.</summary>
public interface ISubscriberNotifier
{
    Task<IReadOnlyList<NoticeResult>> SendAsync(IReadOnlyList<Subscriber> to, string text, CancellationToken ct);
}

/// <summary>
/// An SMS gateway's HTTP API, as most Korean and international SMS providers offer one: a POST of
/// <c>{"from", "to", "text"}</c> per message with a bearer key, 2xx meaning accepted. Each message's outcome is
/// reported back (a failure is never silent); the gateway is given <see cref="SmsOptions.Timeout"/> per message.
/// </summary>
public sealed partial class SmsGateway(HttpClient http, IOptions<SmsOptions> options, ILogger<SmsGateway> logger) : ISubscriberNotifier
{
    public async Task<IReadOnlyList<NoticeResult>> SendAsync(IReadOnlyList<Subscriber> to, string text, CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Url))
        {
            return [.. to.Select(s => new NoticeResult(s.Phone, false, $"no SMS gateway is configured ({SmsOptions.Section}:Url)"))];
        }

        var results = new List<NoticeResult>();
        foreach (var subscriber in to)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, o.Url) { Content = JsonContent.Create(new { from = o.Sender, to = subscriber.Phone, text }) };
            if (o.ApiKey.Length > 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.ApiKey);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(o.Timeout);
                using var response = await http.SendAsync(request, timeout.Token);
                results.Add(new NoticeResult(subscriber.Phone, response.IsSuccessStatusCode, $"gateway answered {(int)response.StatusCode}"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                LogFailed(subscriber.Phone, ex.Message);
                results.Add(new NoticeResult(subscriber.Phone, false, $"gateway unreachable: {ex.Message}"));
            }
        }

        return results;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS to {Phone} not sent: {Reason}")]
    private partial void LogFailed(string phone, string reason);
}
