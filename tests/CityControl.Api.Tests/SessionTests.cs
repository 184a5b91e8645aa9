using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>Sign-in sessions over real HTTP: refreshing tokens, signing out, and the per-user limit on expensive queries.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class SessionTests(MemoryPlatformFixture fixture)
{
    private HttpClient NewClient() => new() { BaseAddress = fixture.Platform.BaseAddress };

    [Fact]
    public async Task A_refresh_token_works_once_a_reused_one_ends_the_session_and_sign_out_ends_every_token_of_it()
    {
        using var http = NewClient();
        var first = await SignInAsync(http, "police", PlatformApi.Police.Password);

        // A refresh gives a new pair; the session's tokens all keep working.
        var second = await RefreshAsync(http, first.Refresh);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(first.Access, second.Access);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(http, first.Access));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(http, second.Access));

        // The first refresh token presented again: someone else has it; the whole session ends.
        var reused = await RefreshAsync(http, first.Refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, reused.Status);
        Assert.Contains("already used", reused.Title, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(http, second.Access));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(http, second.Refresh)).Status);

        // A new sign-in, signed out: its access and refresh tokens are refused from then on; another session is not.
        var other = await SignInAsync(http, "police", PlatformApi.Police.Password);
        var third = await SignInAsync(http, "police", PlatformApi.Police.Password);
        using (var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", third.Access) } })
        using (var signedOut = await http.SendAsync(signOut))
        {
            Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(http, third.Access));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(http, third.Refresh)).Status);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(http, other.Access));
    }

    [Fact]
    public async Task A_refresh_without_a_good_token_is_refused_naming_the_field()
    {
        using var http = NewClient();

        using var missing = await http.PostAsJsonAsync("/api/auth/refresh", new { });
        using var forged = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "CfDJ8" + new string('A', 200) });
        var access = (await SignInAsync(http, "operator", PlatformApi.Operator.Password)).Access;
        using var accessAsRefresh = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = access });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("is required", (await PlatformApi.BodyAsync(missing))["errors"]!["refreshToken"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.StartsWith("refreshToken:", (await PlatformApi.BodyAsync(forged))["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, accessAsRefresh.StatusCode);
    }

    [Fact]
    public async Task Signing_out_of_the_pages_ends_the_cookie_so_a_copy_of_it_is_refused()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Platform.BaseAddress };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "operator", ["password"] = PlatformApi.Operator.Password });
        using var signIn = await client.PostAsync("/login", form);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("citycontrol=", StringComparison.Ordinal)).Split(';')[0];
        async Task<HttpStatusCode> Me()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { { "Cookie", cookie } } };
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        var before = await Me();
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/logout") { Headers = { { "Cookie", cookie } } })
        using (await client.SendAsync(logout))
        {
        }

        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me());
    }

    [Fact]
    public async Task A_user_past_their_share_of_expensive_queries_gets_429_with_Retry_After_while_others_go_on()
    {
        var settings = PlatformSettings.Memory();
        settings["CityControl:Queries:RequestsPerSecondPerUser"] = "2";
        settings["CityControl:Queries:BurstPerUser"] = "4";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        await platform.Api.TokenAsync(PlatformApi.Operator.User, PlatformApi.Operator.Password);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await platform.Api.SendAsync(HttpMethod.Get, "/api/incidents", PlatformApi.Operator);
            return (response.StatusCode, response.Headers.RetryAfter?.Delta, Title: (await response.Content.ReadAsStringAsync()));
        }));
        using var other = await platform.Api.SendAsync(HttpMethod.Get, "/api/incidents", PlatformApi.Police);
        using var cheap = await platform.Api.SendAsync(HttpMethod.Get, "/api/me", PlatformApi.Operator);

        var ok = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        Assert.InRange(ok, 4, 5); // the burst, and one more if a token came back while they ran
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests), a =>
        {
            Assert.InRange(a.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            Assert.Contains("more queries than their share", a.Title, StringComparison.Ordinal);
        });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cheap.StatusCode);
    }

    private static async Task<(string Access, string Refresh)> SignInAsync(HttpClient http, string user, string password)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username = user, password });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (body["accessToken"]!.GetValue<string>(), body["refreshToken"]!.GetValue<string>());
    }

    private static async Task<(HttpStatusCode Status, string Access, string Refresh, string Title)> RefreshAsync(HttpClient http, string refreshToken)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return response.IsSuccessStatusCode
            ? (response.StatusCode, body["accessToken"]!.GetValue<string>(), body["refreshToken"]!.GetValue<string>(), "")
            : (response.StatusCode, "", "", body["title"]?.GetValue<string>() ?? "");
    }

    private static async Task<HttpStatusCode> MeAsync(HttpClient http, string access)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", access) } };
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
