using System.Net;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Cap;

namespace CityControl.Tests.Api;

/// <summary>Who may do what, and where a sign-in may send the browser: refused requests change nothing.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class AccessTests(MemoryPlatformFixture fixture)
{
    private static readonly (string, string) Fire = ("fire", "fire-demo");
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task Only_operators_and_admins_import_CAP_alerts_and_a_refused_import_opens_nothing()
    {
        var identifier = "KMA-" + Guid.NewGuid().ToString("N")[..8];
        var xml = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>{identifier}</identifier><sender>kma@weather.example</sender><sent>{CapXml.Time(DateTimeOffset.UtcNow)}</sent>
              <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
              <info><category>Met</category><event>Heavy rain warning</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
                <area><areaDesc>Seoul</areaDesc></area></info>
            </alert>
            """;

        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { PlatformApi.Police, Fire, PlatformApi.Operator })
        {
            using var response = await Api.SendAsync(HttpMethod.Post, "/api/cap", user, Xml(xml));
            statuses.Add(response.StatusCode);
        }

        // The operator's import is the first the platform took: it opens the incident.
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Created], statuses);
    }

    [Fact]
    public async Task Only_admins_register_gateways_and_a_refused_registration_creates_nothing()
    {
        var id = MemoryPlatformFixture.NewId("gw");
        var body = new { id, name = "Riverside gateway", districts = new[] { "Yeouido" } };

        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { PlatformApi.Operator, PlatformApi.Police, Fire, PlatformApi.Admin })
        {
            using var response = await Api.PostJsonAsync("/api/gateways", body, user);
            statuses.Add(response.StatusCode);
        }

        // The admin's registration is the first the platform took: created, not a conflict with a refused one.
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Created], statuses);
    }

    [Theory]
    [InlineData("/incidents/inc-1?tab=timeline", "/incidents/inc-1?tab=timeline")]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("/\t/evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    public async Task A_sign_in_sends_the_browser_back_only_to_a_path_of_this_site(string returnUrl, string expected)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Platform.BaseAddress };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "operator", ["password"] = PlatformApi.Operator.Password, ["returnUrl"] = returnUrl });

        using var response = await client.PostAsync("/login", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("citycontrol=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_401_says_how_to_authenticate_and_the_bearer_scheme_is_case_insensitive()
    {
        using var anonymousApi = await Api.SendAsync(HttpMethod.Get, "/api/devices");
        using var anonymousIngest = await Api.PostTelemetryAsync(null, new { readings = new[] { new { deviceId = "x" } } });
        var token = await Api.TokenAsync(PlatformApi.Operator.User, PlatformApi.Operator.Password);
        using var http = new HttpClient { BaseAddress = fixture.Platform.BaseAddress };
        using var lowerCase = new HttpRequestMessage(HttpMethod.Get, "/api/devices?limit=1") { Headers = { { "Authorization", "bearer " + token } } };
        using var lower = await http.SendAsync(lowerCase);

        Assert.Equal((HttpStatusCode.Unauthorized, "Bearer"), (anonymousApi.StatusCode, anonymousApi.Headers.WwwAuthenticate.Single().Scheme));
        Assert.Equal((HttpStatusCode.Unauthorized, "Basic"), (anonymousIngest.StatusCode, anonymousIngest.Headers.WwwAuthenticate.Single().Scheme));
        Assert.Equal(HttpStatusCode.OK, lower.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_make_the_next_sign_in_wait_a_doubling_delay_refused_unchecked_until_it_is_over()
    {
        var settings = CityControl.Testing.PlatformSettings.Memory();
        settings["CityControl:SignIn:FreeFailures"] = "3";
        settings["CityControl:SignIn:FirstDelay"] = "00:00:02";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = platform.BaseAddress };
        async Task<HttpResponseMessage> SignIn(string password) =>
            await http.PostAsync("/api/auth/token", PlatformApi.Json(new { username = "admin", password }));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await SignIn("guess-" + i);
            statuses.Add(wrong.StatusCode);
        }

        // The right password during the wait is refused too: the password is not even checked.
        using var waiting = await SignIn(PlatformApi.Admin.Password);
        var retryAfter = waiting.Headers.RetryAfter?.Delta;
        var problem = await PlatformApi.BodyAsync(waiting);
        await Task.Delay(retryAfter ?? TimeSpan.Zero, TestContext.Current.CancellationToken);
        using var after = await SignIn(PlatformApi.Admin.Password);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.InRange(retryAfter ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Contains("Too many wrong passwords", problem["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);

        // Other users from the same address are not locked out by one user's guesser.
        using var operatorSignIn = await http.PostAsync("/api/auth/token", PlatformApi.Json(new { username = "operator", password = PlatformApi.Operator.Password }));
        Assert.Equal(HttpStatusCode.OK, operatorSignIn.StatusCode);
    }

    [Fact]
    public async Task Only_admins_open_the_Orleans_dashboard_and_it_shows_the_running_silo_and_its_grains()
    {
        // A browser that has not signed in is sent to the sign-in page; other roles are refused.
        using (var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = fixture.Platform.BaseAddress })
        using (var anonymous = await browser.GetAsync("/admin/orleans/DashboardCounters"))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { PlatformApi.Operator, PlatformApi.Police, Fire })
        {
            using var refused = await Api.SendAsync(HttpMethod.Get, "/admin/orleans/DashboardCounters", user);
            statuses.Add(refused.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], statuses);

        // The page itself, served by this front end (no CDN), and its figures: the one silo, and the platform's grains.
        using var page = await Api.SendAsync(HttpMethod.Get, "/admin/orleans/", PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("index.min.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        using var script = await Api.SendAsync(HttpMethod.Get, "/admin/orleans/index.min.js", PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        // The dashboard refreshes its figures once a second, as its page does: the device onboarded now shows within a few.
        await Api.OnboardAsync(TestDevices.Gas(MemoryPlatformFixture.NewId("gas")));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var counters = await Api.GetJsonAsync("/admin/orleans/DashboardCounters", PlatformApi.Admin);
            Assert.Equal(1, counters["totalActiveHostCount"]!.GetValue<int>());
            var grainTypes = counters["simpleGrainStats"]!.AsArray().Select(g => g!["grainType"]!.GetValue<string>()).ToList();
            if (grainTypes.Any(t => t.EndsWith(".GasSensorGrain", StringComparison.Ordinal)))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, counters.ToJsonString());
            await Task.Delay(500);
        }
    }

    private static StringContent Xml(string xml) => new(xml, System.Text.Encoding.UTF8, "application/xml");
}
