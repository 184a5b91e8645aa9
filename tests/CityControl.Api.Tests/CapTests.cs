using System.Text.RegularExpressions;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Web.Cap;

namespace CityControl.Tests.Api;

[Collection(MemoryPlatformCollection.Name)]
public sealed class CapTests(MemoryPlatformFixture fixture)
{
    private static readonly XNamespace Cap = "urn:oasis:names:tc:emergency:cap:1.2";
    private PlatformApi Api => fixture.Api;

    public static TheoryData<string> RealAlerts() =>
    [
        .. Directory.GetFiles(RepoPaths.Data("cap"), "*.xml", SearchOption.TopDirectoryOnly)
            .Concat(Directory.GetFiles(RepoPaths.Data("cap", "google-cap-library"), "*.xml"))
            .Concat(Directory.GetFiles(RepoPaths.Data("cap", "oasiscap-fixtures"), "*.xml"))
            .Concat(Directory.GetFiles(RepoPaths.Data("cap", "ibm-cap"), "*.xml"))
            .Where(f => Path.GetFileName(f) is not ("invalid.xml" or "xee.xml"))
            .Select(f => Path.GetRelativePath(RepoPaths.Data("cap"), f)),
    ];

    [Fact]
    public void The_embedded_schema_is_the_official_one()
    {
        using var embedded = typeof(CapSchema).Assembly.GetManifestResourceStream("CityControl.Web.Cap.CAP-v1.2.xsd")!;
        var official = File.ReadAllBytes(RepoPaths.Data("cap", "CAP-v1.2.xsd"));

        Assert.Equal(Convert.ToHexString(SHA256.HashData(official)), Convert.ToHexString(SHA256.HashData(embedded)));
    }

    /// <summary>
    /// Every real CAP 1.2 alert of the shared data, in path order, with the action expected from reading each file: an
    /// Alert or an Update of an alert never received opens an incident; a Cancel of an alert never received is
    /// ignored; an alert already imported (the same sender and identifier: the appendix samples repeat the Google
    /// library's, canada_errors.xml repeats canada.xml) changes nothing.
    /// </summary>
    [Fact]
    public async Task Every_real_CAP_1_2_alert_imports_with_the_action_its_content_calls_for()
    {
        (string File, string Action)[] expected =
        [
            ("google-cap-library/43b080713727.xml", "opened"),
            ("google-cap-library/australia.xml", "opened"),
            ("google-cap-library/canada.xml", "opened"),
            ("google-cap-library/canada_errors.xml", "duplicate"),
            ("google-cap-library/canada_signed.xml", "opened"),
            ("google-cap-library/earthquake-iso8859-1.xml", "opened"),
            ("google-cap-library/thunderstorm.xml", "opened"),
            ("google-cap-library/wcatwc-warning.xml", "opened"),
            ("ibm-cap/cap_amber_alert_example.xml", "opened"),
            ("oasiscap-fixtures/google-PAAQ-4-mg5a94.xml", "opened"),
            ("oasiscap-fixtures/ipaws-5e6dd964023f1930ef638846.xml", "opened"),
            ("oasiscap-fixtures/ipaws-5e6dd9de023f1930ef6548d9.xml", "ignored"),
            ("oasiscap-fixtures/ipaws-5e6ddbad023f1930ef6c1a5a.xml", "opened"),
            ("oasiscap-fixtures/ipaws-5e7e0fc5023f1930efcf3deb.xml", "opened"),
            ("oasiscap-fixtures/ipaws-5ea321f39fc226a7b44b6874.xml", "opened"),
            ("oasiscap-fixtures/v1dot2_appendix_adot1.xml", "duplicate"),
            ("oasiscap-fixtures/v1dot2_appendix_adot2.xml", "duplicate"),
            ("oasiscap-fixtures/v1dot2_appendix_adot3.xml", "opened"),
            ("oasiscap-fixtures/v1dot2_appendix_adot4.xml", "duplicate"),
        ];
        Assert.Equal(RealAlerts().Select(row => ((string)row.Data).Replace('\\', '/')).Order(StringComparer.Ordinal), expected.Select(e => e.File));

        // A platform of its own: which alerts came before decides the action.
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var seen = new List<(string, string)>();
        var incidents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, _) in expected)
        {
            var content = new ByteArrayContent(File.ReadAllBytes(RepoPaths.Data("cap", file)));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            using var response = await platform.Api.SendAsync(HttpMethod.Post, "/api/cap", PlatformApi.Operator, content);
            var body = await PlatformApi.BodyAsync(response);
            var action = body["action"]?.GetValue<string>() ?? $"{(int)response.StatusCode} {body.ToJsonString()}";
            seen.Add((file, action));
            Assert.Equal(action == "opened" ? HttpStatusCode.Created : HttpStatusCode.OK, response.StatusCode);
            if (action is "opened" or "duplicate")
            {
                incidents[file] = body["incidentId"]!.GetValue<string>();
            }
        }

        Assert.Equal(expected, seen);
        Assert.Equal(
            [incidents["google-cap-library/43b080713727.xml"], incidents["google-cap-library/canada.xml"], incidents["google-cap-library/thunderstorm.xml"], incidents["ibm-cap/cap_amber_alert_example.xml"]],
            [incidents["oasiscap-fixtures/v1dot2_appendix_adot1.xml"], incidents["google-cap-library/canada_errors.xml"], incidents["oasiscap-fixtures/v1dot2_appendix_adot2.xml"], incidents["oasiscap-fixtures/v1dot2_appendix_adot4.xml"]]);
        foreach (var id in incidents.Values.Distinct())
        {
            // A duplicate added nothing: one CAP message, one timeline line.
            var incident = await platform.Api.GetJsonAsync($"/api/incidents/{id}");
            Assert.Equal("externalWarning", incident["summary"]!["type"]!.GetValue<string>());
            Assert.Single(incident["capMessages"]!.AsArray());
            Assert.Equal(["opened"], incident["timeline"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        }
    }

    [Theory]
    [InlineData("google-cap-library/invalid.xml", "alert", "scope")]
    [InlineData("google-cap-library/cap11/earthquake.xml", "alert", "CAP 1.2")]
    [InlineData("oasiscap-fixtures/cap11/nws-5c2cf27b1f56885d61654dc47fa411d5.xml", "alert", "CAP 1.2")]
    public async Task Invalid_and_other_version_alerts_are_refused_with_the_reason(string file, string field, string reason)
    {
        using var response = await Import(File.ReadAllBytes(RepoPaths.Data("cap", file)));
        var problem = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, problem["errors"]![field]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_XML_external_entity_attack_is_refused_unread_and_nothing_is_fetched()
    {
        // The attack points at localhost:8080; it is moved to a port this test listens on, so a fetch cannot go unseen.
        await using var fetches = new FetchWatch();
        var sample = File.ReadAllText(RepoPaths.Data("cap", "google-cap-library", "xee.xml"));
        Assert.Contains("localhost:8080", sample, StringComparison.Ordinal);
        var attack = System.Text.Encoding.UTF8.GetBytes(sample.Replace("localhost:8080", fetches.HostAndPort, StringComparison.Ordinal));
        using var response = await Import(attack);
        var problem = await PlatformApi.BodyAsync(response);
        Assert.Throws<CapRejectedException>(() => CapXml.Read(new MemoryStream(attack)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("DOCTYPE is not allowed", problem["errors"]!["body"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await fetches.CountAsync());
        Assert.DoesNotContain("passwd", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_attack_without_a_DOCTYPE_is_refused_by_the_schema_and_its_XInclude_stylesheet_and_schemaLocation_are_not_fetched()
    {
        // The sample's other ways out, with the DOCTYPE and entity references taken away so that parsing reaches them:
        // an xml-stylesheet instruction, an XInclude element and an xsi:schemaLocation, all pointing at this test's port.
        await using var fetches = new FetchWatch();
        var sample = File.ReadAllText(RepoPaths.Data("cap", "google-cap-library", "xee.xml"));
        var withoutDoctype = Regex.Replace(sample, @"<!DOCTYPE.*?\]>\s*", "", RegexOptions.Singleline)
            .Replace("&xxe;", "", StringComparison.Ordinal)
            .Replace("http://http://", "http://", StringComparison.Ordinal)
            .Replace("localhost:8080", fetches.HostAndPort, StringComparison.Ordinal);
        Assert.DoesNotContain("DOCTYPE", withoutDoctype, StringComparison.Ordinal);
        Assert.Contains("xi:include", withoutDoctype, StringComparison.Ordinal);
        Assert.Contains("xsi:schemaLocation", withoutDoctype, StringComparison.Ordinal);
        Assert.Contains("xml-stylesheet", withoutDoctype, StringComparison.Ordinal);

        using var response = await Import(System.Text.Encoding.UTF8.GetBytes(withoutDoctype));
        var problem = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var reason = problem["errors"]!["alert"]![0]!.GetValue<string>();
        Assert.Contains("does not validate against the CAP 1.2 schema", reason, StringComparison.Ordinal);
        Assert.Contains("invalid child element 'x'", reason, StringComparison.Ordinal);
        Assert.Equal(0, await fetches.CountAsync());
    }

    [Fact]
    public async Task Exported_alerts_validate_and_updates_and_the_cancel_reference_the_first_message()
    {
        var id = await NewIncident();

        var alert = await Export(id);
        var again = await Export(id);
        using (var ack = await Api.SendAsync(HttpMethod.Post, $"/api/incidents/{id}/actions/acknowledge", PlatformApi.Operator))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        var update = await Export(id);
        using (var cancel = await Api.SendAsync(HttpMethod.Post, $"/api/incidents/{id}/actions/cancel", PlatformApi.Operator, PlatformApi.Json(new { text = "drill" })))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var cancelMessage = await Export(id);

        foreach (var message in new[] { alert, update, cancelMessage })
        {
            Validate(message);
        }

        string Field(XDocument d, string name) => d.Root!.Element(Cap + name)?.Value ?? "";
        var first = $"{Field(alert, "sender")},{Field(alert, "identifier")},{Field(alert, "sent")}";
        Assert.Equal(("Alert", ""), (Field(alert, "msgType"), Field(alert, "references")));
        Assert.Equal(Field(alert, "identifier"), Field(again, "identifier"));
        Assert.Equal(("Update", first), (Field(update, "msgType"), Field(update, "references")));
        Assert.Equal("Cancel", Field(cancelMessage, "msgType"));
        Assert.StartsWith(first + " ", Field(cancelMessage, "references"), StringComparison.Ordinal);
        Assert.Contains($"{Field(update, "identifier")},", Field(cancelMessage, "references"), StringComparison.Ordinal);
        var info = alert.Root!.Element(Cap + "info")!;
        Assert.Equal(("CBRNE", "Immediate", "Severe", "Observed"), (info.Element(Cap + "category")!.Value, info.Element(Cap + "urgency")!.Value, info.Element(Cap + "severity")!.Value, info.Element(Cap + "certainty")!.Value));
        // No weather station near this leak: ERG's protective distance for ammonia, drawn all round, is the area.
        Assert.NotNull(info.Element(Cap + "area")!.Element(Cap + "polygon"));
        Assert.Contains(info.Elements(Cap + "parameter"), p => p.Element(Cap + "valueName")!.Value == "UN_number" && p.Element(Cap + "value")!.Value == "UN1005");
    }

    [Fact]
    public async Task An_imported_warning_is_updated_and_cancelled_by_the_messages_that_reference_it()
    {
        var sent = DateTimeOffset.UtcNow;
        string Message(string identifier, string msgType, string? references) => $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>{identifier}</identifier><sender>kma@weather.example</sender><sent>{CapXml.Time(sent)}</sent>
              <status>Actual</status><msgType>{msgType}</msgType><scope>Public</scope>
              {(references is null ? "" : $"<references>{references}</references>")}
              <info><category>Met</category><event>Heavy rain warning</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
                <headline>Heavy rain warning for Seoul</headline>
                <area><areaDesc>Seoul</areaDesc><polygon>37.70,126.80 37.70,127.20 37.40,127.20 37.40,126.80 37.70,126.80</polygon></area></info>
            </alert>
            """;
        var first = "KMA-" + Guid.NewGuid().ToString("N")[..8];
        var reference = $"kma@weather.example,{first},{CapXml.Time(sent)}";

        var opened = await PlatformApi.BodyAsync(await Import(Encoding.UTF8.GetBytes(Message(first, "Alert", null))));
        var updated = await PlatformApi.BodyAsync(await Import(Encoding.UTF8.GetBytes(Message(first + "-2", "Update", reference))));
        var cancelled = await PlatformApi.BodyAsync(await Import(Encoding.UTF8.GetBytes(Message(first + "-3", "Cancel", reference))));
        var id = opened["incidentId"]!.GetValue<string>();
        var incident = await Api.GetJsonAsync($"/api/incidents/{id}");

        Assert.Equal(("opened", "updated", "cancelled"), (opened["action"]!.GetValue<string>(), updated["action"]!.GetValue<string>(), cancelled["action"]!.GetValue<string>()));
        Assert.Equal(id, updated["incidentId"]!.GetValue<string>());
        Assert.Equal("cancelled", incident["summary"]!["status"]!.GetValue<string>());
        Assert.Equal("P1", incident["summary"]!["priority"]!.GetValue<string>());
        Assert.Equal(37.55, incident["summary"]!["location"]!["latitude"]!.GetValue<double>(), 6);
        Assert.Equal(3, incident["capMessages"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("<circle>999,126.9 5</circle>", "alert.info.area.circle")]
    [InlineData("<circle>37.5,126.9 far</circle>", "alert.info.area.circle")]
    [InlineData("<polygon>37.7,126.8 north,127.2 37.4,127.2 37.7,126.8</polygon>", "alert.info.area.polygon")]
    [InlineData("<polygon>37.7,126.8 37.7,227.2 37.4,127.2 37.7,126.8</polygon>", "alert.info.area.polygon")]
    public async Task An_area_whose_coordinates_are_not_numbers_in_range_is_refused_naming_the_field(string shape, string field)
    {
        var xml = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>BAD-{Guid.NewGuid():N}</identifier><sender>kma@weather.example</sender><sent>{CapXml.Time(DateTimeOffset.UtcNow)}</sent>
              <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
              <info><category>Met</category><event>Heavy rain warning</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
                <area><areaDesc>Seoul</areaDesc>{shape}</area></info>
            </alert>
            """;

        using var response = await Import(Encoding.UTF8.GetBytes(xml));
        var problem = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("latitude", problem["errors"]![field]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private async Task<string> NewIncident()
    {
        var district = MemoryPlatformFixture.NewId("cap");
        await Api.LeakAsync(district);
        var id = await Api.WaitForIncidentAsync(district);

        // The confirmed leak's hazard zone comes a moment later (its response runs on its own): wait for it, so that
        // every export below sees the same incident.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Api.GetJsonAsync($"/api/incidents/{id}"))["hazard"] is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leak's hazard zone was not drawn within 30 s");
            await Task.Delay(100);
        }

        return id;
    }

    private async Task<XDocument> Export(string id)
    {
        using var response = await Api.SendAsync(HttpMethod.Get, $"/api/incidents/{id}/cap", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/cap+xml", response.Content.Headers.ContentType?.MediaType);
        // Saved as <id>.xml, not as "cap" with no extension.
        Assert.Equal(("attachment", id + ".xml"), (response.Content.Headers.ContentDisposition?.DispositionType, response.Content.Headers.ContentDisposition?.FileName));
        return XDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> Import(byte[] xml)
    {
        var content = new ByteArrayContent(xml);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        return Api.SendAsync(HttpMethod.Post, "/api/cap", PlatformApi.Operator, content);
    }

    /// <summary>Validates against the official schema file in the shared data, not the copy the platform embeds.</summary>
    private static void Validate(XDocument message)
    {
        var schemas = new XmlSchemaSet { XmlResolver = null };
        schemas.Add("urn:oasis:names:tc:emergency:cap:1.2", RepoPaths.Data("cap", "CAP-v1.2.xsd"));
        var errors = new List<string>();
        message.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
    }

    /// <summary>A listener on a loopback port of its own that counts every connection made to it: a fetch cannot go unseen.</summary>
    private sealed class FetchWatch : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _accepting;
        private int _connections;

        public FetchWatch()
        {
            // Start throws if no port can be had: the test then fails instead of proving nothing.
            _listener.Start();
            HostAndPort = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _accepting = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        using var client = await _listener.AcceptTcpClientAsync();
                        Interlocked.Increment(ref _connections);
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // Stopped: by CountAsync or DisposeAsync, possibly before this loop first waited (then "not listening").
                }
            });
        }

        public string HostAndPort { get; }

        /// <summary>Connections so far: accepted, or waiting in the backlog (parsing is over once the answer came, so a fetch it made has connected).</summary>
        public async Task<int> CountAsync()
        {
            var pending = _listener.Pending() ? 1 : 0;
            _listener.Stop();
            await _accepting;
            return Volatile.Read(ref _connections) + pending;
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
        }
    }
}
