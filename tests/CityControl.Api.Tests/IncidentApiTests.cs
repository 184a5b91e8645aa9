using System.Net;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

[Collection(MemoryPlatformCollection.Name)]
public sealed class IncidentApiTests(MemoryPlatformFixture fixture)
{
    private static readonly (string, string) Fire = ("fire", "fire-demo");
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task A_leak_becomes_a_fire_incident_that_goes_through_its_lifecycle_with_every_action_in_the_timeline()
    {
        var (id, _) = await LeakIncident();

        await Act(id, "acknowledge", PlatformApi.Operator, new { text = "seen on camera" }, HttpStatusCode.OK);
        await Act(id, "dispatch", Fire, new { unit = "Guro Engine 3" }, HttpStatusCode.OK);
        await Act(id, "en-route", Fire, null, HttpStatusCode.OK);
        await Act(id, "on-scene", Fire, null, HttpStatusCode.OK);
        await Act(id, "complete-step", Fire, new { step = 2 }, HttpStatusCode.OK);
        await Act(id, "note", Fire, new { text = "valve closed" }, HttpStatusCode.OK);
        await Act(id, "resolve", Fire, null, HttpStatusCode.OK);
        await Act(id, "close", PlatformApi.Operator, null, HttpStatusCode.OK);

        var detail = await Api.GetJsonAsync($"/api/incidents/{id}");
        // People's actions; the platform's own (the correlator, the system, the leak's hazard model) are left out.
        var people = detail["timeline"]!.AsArray().Where(e => e!["actor"]!.GetValue<string>() is not ("system" or "correlator" or "hazard model")).ToList();
        Assert.Equal(
            ["acknowledge", "dispatch", "en route", "on scene", "procedure step done", "note", "resolve", "close"],
            people.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal(
            ["operator", "fire", "fire", "fire", "fire", "fire", "fire", "operator"],
            people.Select(e => e!["actor"]!.GetValue<string>()));
        Assert.Equal(["new", "acknowledged"], [people[0]!["from"]!.GetValue<string>(), people[0]!["to"]!.GetValue<string>()]);
        var sequence = detail["timeline"]!.AsArray().Select(e => e!["sequence"]!.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Range(1, sequence.Count), sequence);
        Assert.Equal("closed", detail["summary"]!["status"]!.GetValue<string>());
        Assert.Equal("Guro Engine 3", detail["assignedUnit"]!.GetValue<string>());
        Assert.Equal("fire", detail["procedure"]![1]!["doneBy"]!.GetValue<string>());
        Assert.All(detail["alarms"]!.AsArray(), a => Assert.Equal("acknowledged", a!["state"]!.GetValue<string>()));
    }

    /// <summary>A 119 call about a fire: opened by the operator, routed to fire, P1 by its type, found in the list, handled like any other.</summary>
    [Fact]
    public async Task A_call_opens_an_incident_routed_by_its_type_that_is_handled_like_any_other()
    {
        var district = MemoryPlatformFixture.NewId("Call");
        using var created = await Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Operator, PlatformApi.Json(new
        {
            type = "fire",
            location = new { latitude = 37.4871, longitude = 126.8953 },
            district,
            zone = "Digital-ro 300",
            caller = new { name = "Kim Minji", phone = "010-1234-5678" },
            description = "Smoke from the third floor of a workshop",
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var detail = await PlatformApi.BodyAsync(created);
        var id = detail["summary"]!["id"]!.GetValue<string>();
        Assert.Equal($"/api/incidents/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(("P1", "new", $"Fire, Digital-ro 300, {district}"),
            (detail["summary"]!["priority"]!.GetValue<string>(), detail["summary"]!["status"]!.GetValue<string>(), detail["summary"]!["title"]!.GetValue<string>()));
        Assert.Equal(["fire"], detail["summary"]!["agencies"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("Call from Kim Minji, 010-1234-5678 taken by operator: Smoke from the third floor of a workshop", detail["description"]!.GetValue<string>());
        Assert.Equal(("operator", "opened"), (detail["timeline"]![0]!["actor"]!.GetValue<string>(), detail["timeline"]![0]!["action"]!.GetValue<string>()));
        Assert.NotEmpty(detail["procedure"]!.AsArray());

        var listed = await Api.GetJsonAsync($"/api/incidents?district={district}");
        Assert.Equal([id], listed["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        await Act(id, "acknowledge", Fire, null, HttpStatusCode.OK);
        await Act(id, "dispatch", Fire, new { unit = "Guro Engine 1" }, HttpStatusCode.OK);

        // A fire dispatcher takes fire calls too; a police dispatcher cannot open one that is not police's.
        var call = new { type = "fire", location = new { latitude = 37.49, longitude = 126.89 }, district, description = "smoke" };
        using var byFire = await Api.SendAsync(HttpMethod.Post, "/api/incidents", Fire, PlatformApi.Json(call));
        Assert.Equal(HttpStatusCode.Created, byFire.StatusCode);
        using var byPolice = await Api.SendAsync(HttpMethod.Post, "/api/incidents", ("police", "police-demo"), PlatformApi.Json(call));
        Assert.Equal(HttpStatusCode.Forbidden, byPolice.StatusCode);
        using var byAdmin = await Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Admin, PlatformApi.Json(call));
        Assert.Equal(HttpStatusCode.Forbidden, byAdmin.StatusCode);
    }

    [Fact]
    public async Task History_searches_by_words_priority_and_whether_the_incident_has_ended()
    {
        var word = Guid.NewGuid().ToString("N")[..10];
        var ended = await Call($"Hist-{word}", "fire", $"Warehouse {word} north gate");
        var open = await Call($"Hist-{word}", "stoppedVehicle", "Lane 2");
        await Act(ended, "false-alarm", PlatformApi.Operator, new { text = "a barbecue" }, HttpStatusCode.OK);

        async Task<string[]> Ids(string query) =>
            [.. (await Api.GetJsonAsync($"/api/incidents?{query}"))["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

        Assert.Equal(new[] { ended, open }.Order(StringComparer.Ordinal), await Ids($"q={word}"));
        Assert.Equal([ended], await Ids($"q=WAREHOUSE%20{word}"));
        Assert.Equal([ended], await Ids($"q={word}&ended=true"));
        Assert.Equal([open], await Ids($"q={word}&ended=false"));
        Assert.Equal([open], await Ids($"q={word}&priority=P3"));
        Assert.Empty(await Ids($"q={word}%20nowhere"));

        using var control = await Api.SendAsync(HttpMethod.Get, "/api/incidents?q=a%00b", PlatformApi.Operator);
        using var longWords = await Api.SendAsync(HttpMethod.Get, $"/api/incidents?q={new string('w', 201)}&priority=P0", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.NotNull((await PlatformApi.BodyAsync(control))["errors"]!["q"]);
        var errors = (await PlatformApi.BodyAsync(longWords))["errors"]!.AsObject();
        Assert.Equal(["priority", "q"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    private async Task<string> Call(string district, string type, string zone)
    {
        using var created = await Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Operator, PlatformApi.Json(new
        {
            type, location = new { latitude = 37.49, longitude = 126.89 }, district, zone, description = "called in",
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await PlatformApi.BodyAsync(created))["summary"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_call_with_bad_fields_is_refused_naming_each_field_and_opens_nothing()
    {
        var district = MemoryPlatformFixture.NewId("BadCall");
        using var refused = await Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Operator, PlatformApi.Json(new
        {
            type = "externalWarning",
            priority = "P9",
            location = new { latitude = 91.0, longitude = 126.9 },
            district,
            caller = new { phone = "call me maybe" },
            description = new string('x', 2001),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await PlatformApi.BodyAsync(refused))["errors"]!.AsObject();
        Assert.Equal(["caller.phone", "description", "location.latitude", "priority", "type"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));

        using var missing = await Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Operator, PlatformApi.Json(new { district }));
        var missingErrors = (await PlatformApi.BodyAsync(missing))["errors"]!.AsObject();
        Assert.Equal(["description", "location", "type"], missingErrors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Empty((await Api.GetJsonAsync($"/api/incidents?district={district}"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Illegal_transitions_are_409s_that_say_why_and_leave_the_incident_as_it_was()
    {
        var (id, _) = await LeakIncident();

        var enRoute = await Act(id, "en-route", PlatformApi.Operator, null, HttpStatusCode.Conflict);
        var close = await Act(id, "close", PlatformApi.Operator, null, HttpStatusCode.Conflict);
        await Act(id, "false-alarm", PlatformApi.Operator, new { text = "calibration gas" }, HttpStatusCode.OK);
        var afterEnd = await Act(id, "acknowledge", PlatformApi.Operator, null, HttpStatusCode.Conflict);
        var missingReason = await Act((await LeakIncident()).Id, "cancel", PlatformApi.Operator, null, HttpStatusCode.BadRequest);
        var unknown = await Act(id, "teleport", PlatformApi.Operator, null, HttpStatusCode.NotFound);

        Assert.Equal("an incident cannot go from New to EnRoute", enRoute["title"]!.GetValue<string>());
        Assert.Equal("an incident cannot go from New to Closed", close["title"]!.GetValue<string>());
        Assert.Equal("the incident is FalseAlarm and takes no further status changes", afterEnd["title"]!.GetValue<string>());
        Assert.NotNull(missingReason["errors"]!["text"]);
        Assert.NotNull(unknown["errors"]!["action"]);
        var detail = await Api.GetJsonAsync($"/api/incidents/{id}");
        Assert.Equal("falseAlarm", detail["summary"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_police_dispatcher_neither_sees_nor_acts_on_a_fire_incident_and_admins_do_not_act()
    {
        var (id, district) = await LeakIncident();

        var policeList = await Api.GetJsonAsync($"/api/incidents?district={district}", PlatformApi.Police);
        var fireList = await Api.GetJsonAsync($"/api/incidents?district={district}", Fire);
        using var policeGet = await Api.SendAsync(HttpMethod.Get, $"/api/incidents/{id}", PlatformApi.Police);
        var policeAct = await Act(id, "acknowledge", PlatformApi.Police, null, HttpStatusCode.Forbidden);
        var fireClose = await Act(id, "cancel", Fire, new { text = "not ours" }, HttpStatusCode.Forbidden);
        var adminAct = await Act(id, "acknowledge", PlatformApi.Admin, null, HttpStatusCode.Forbidden);
        using var policeAsksFire = await Api.SendAsync(HttpMethod.Get, "/api/incidents?agency=fire", PlatformApi.Police);
        using var anonymous = await Api.Anonymous.GetAsync("/api/incidents");

        Assert.Empty(policeList["items"]!.AsArray());
        Assert.Equal([id], fireList["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Forbidden, policeGet.StatusCode);
        Assert.Equal("this incident is not routed to Police (it is for Fire)", policeAct["title"]!.GetValue<string>());
        Assert.Equal("Cancel is for control-room operators", fireClose["title"]!.GetValue<string>());
        Assert.Equal("only operators and dispatchers act on incidents", adminAct["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, policeAsksFire.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var detail = await Api.GetJsonAsync($"/api/incidents/{id}");
        Assert.Equal("new", detail["summary"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Incident_lists_filter_by_status_and_type_and_refuse_bad_filters_by_name()
    {
        var (id, district) = await LeakIncident();

        var open = await Api.GetJsonAsync($"/api/incidents?district={district}&status=new&type=chemicalLeak&agency=fire");
        var closed = await Api.GetJsonAsync($"/api/incidents?district={district}&status=closed");
        using var bad = await Api.SendAsync(HttpMethod.Get, "/api/incidents?status=burning&limit=0", PlatformApi.Operator);
        var problem = await PlatformApi.BodyAsync(bad);

        Assert.Equal([id], open["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Empty(closed["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["limit", "status"], problem["errors"]!.AsObject().Select(kv => kv.Key).Order());
    }

    [Fact]
    public async Task A_console_sees_the_alarm_load_of_its_districts()
    {
        var (_, district) = await LeakIncident();

        var rate = await Api.GetJsonAsync($"/api/alarm-rates?district={district}&district=Quiet-{district}");
        using var none = await Api.SendAsync(HttpMethod.Get, "/api/alarm-rates", PlatformApi.Operator);

        Assert.Equal(2, rate["annunciated"]!.GetValue<int>());
        Assert.False(rate["flood"]!.GetValue<bool>());
        Assert.Equal(1, rate["byPriority"]!["P1"]!.GetValue<int>());
        Assert.Equal(2, rate["districts"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
    }

    private async Task<(string Id, string District)> LeakIncident()
    {
        var district = MemoryPlatformFixture.NewId("leak");
        await Api.LeakAsync(district);
        return (await Api.WaitForIncidentAsync(district), district);
    }

    private async Task<JsonNode> Act(string id, string action, (string, string) user, object? body, HttpStatusCode expected)
    {
        using var response = await Api.SendAsync(HttpMethod.Post, $"/api/incidents/{id}/actions/{action}", user, body is null ? null : PlatformApi.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action} by {user.Item1}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
