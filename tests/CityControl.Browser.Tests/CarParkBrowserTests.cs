using System.Net;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Video;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>
/// A flood incident's page shows how many vehicles its car park's entrance camera counted inside, and an operator who
/// looked sets the number; an admin onboards a device a partner's broker announced without a place.
/// </summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class CarParkBrowserTests(MemoryPlatformFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [MemberData(nameof(LayoutBrowserTests.Sizes), MemberType = typeof(LayoutBrowserTests))]
    public async Task A_flood_incidents_page_shows_the_vehicles_still_in_its_car_park_and_an_operator_sets_the_number_seen(int width, int height)
    {
        var api = fixture.Api;
        var district = MemoryPlatformFixture.NewId("Park");
        var gauge = "gauge-" + district;
        var camera = "cam-" + district;
        var credential = await api.OnboardAsync(TestDevices.Flood(gauge, district));
        await api.OnboardAsync(new
        {
            id = camera, kind = "camera", name = "Car park entrance camera", location = new { latitude = 37.5287, longitude = 126.9330 },
            district, zone = "parking-1", camera = new { bearingDegrees = 200, fieldOfViewDegrees = 70, rangeMeters = 80 },
        });
        using (var registered = await api.SendAsync(HttpMethod.Put, $"/api/car-parks/{district}/parking-1", PlatformApi.Admin, PlatformApi.Json(new { name = "Riverside car park 1" })))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        // Three vehicles drove in through the entrance, then the river reached the danger level.
        for (var i = 0; i < 3; i++)
        {
            await fixture.Platform.CountVehicleAsync(camera, CountDirection.In, i);
        }

        await Poll.Until(() => api.GetJsonAsync($"/api/car-parks/{district}/parking-1/occupancy"), o => o["parked"]!.GetValue<int>() == 3);
        using (var high = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gauge, DateTimeOffset.UtcNow, "waterLevel", 0.7, "m") } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, high.StatusCode);
        }

        var incident = await Poll.Until(() => api.GetJsonAsync($"/api/incidents?district={district}&type=flood"), list => list["items"]!.AsArray().Count > 0);
        var id = incident["items"]![0]!["id"]!.GetValue<string>();
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Operator, $"/incidents/{id}");
        await page.SetViewportSizeAsync(width, height);

        var box = page.Locator("#car-park");
        await Assertions.Expect(box.Locator("#car-park-count")).ToContainTextAsync("3 vehicles inside by the entrance count (3 in, 0 out");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("vehicles still parked");

        // One leaves while the operator watches: the box and the timeline follow without a reload.
        await fixture.Platform.CountVehicleAsync(camera, CountDirection.Out, 9);
        await Assertions.Expect(box.Locator("#car-park-count")).ToContainTextAsync("2 vehicles inside by the entrance count (3 in, 1 out");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("vehicle left");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"car-park-{width}x{height}.png"), FullPage = true });

        // The operator walked the car park: none are left.
        await box.Locator("#car-park-parked").FillAsync("0");
        await box.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(box.Locator("#car-park-count")).ToContainTextAsync("0 vehicles inside by the entrance count (0 in, 0 out");
        await Assertions.Expect(box.Locator("#car-park-count")).ToContainTextAsync("from operator");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("vehicles inside set");
        var (scrollWidth, innerWidth) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("() => window.innerWidth"));
        Assert.True(scrollWidth <= innerWidth, $"the incident page is {scrollWidth} px wide at {width}x{height}");

        // In Korean.
        await page.SelectOptionAsync("#language", "ko");
        await Assertions.Expect(box.Locator("h2")).ToHaveTextAsync("주차장");
        await Assertions.Expect(box.Locator("#car-park-count")).ToContainTextAsync("입구 계수 기준 0대 주차 중");
        // Who did what on the timeline reads in Korean too, and what the alarms and the flood model said; times on a
        // 24-hour clock.
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("침수 모델: 주차장 폐쇄");
        await Assertions.Expect(page.Locator("#description")).ToHaveTextAsync($"{gauge}의 침수 경계 경보로 개시: 수위 0.7 m, 경계 수위 0.3 m 이상");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"시스템: 경보 연결 {gauge} 경보: 수위 0.7 m, 위험 수위 0.6 m 이상");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"침수, parking-1, {district} (우선순위 P2, 담당 재난안전, 교통)");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"{gauge} 위험 수위 도달 (0.70 m) (사건 개시)");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"Riverside car park 1 감시: {camera}");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"침수 모델: 주차 차량 남음 입구 계수 기준 3대 주차 중 (");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("operator: 주차 차량 수 설정 operator이(가) 육안 확인 후 설정: 입구 계수 기준 0대 주차 중");
        await Assertions.Expect(page.Locator("#timeline li").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}\. \d{2}\. \d{2}\. \d{2}:\d{2}:\d{2} "));
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync($"카메라 {camera}: 차량 출차");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"car-park-{width}x{height}-ko.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(LayoutBrowserTests.Sizes), MemberType = typeof(LayoutBrowserTests))]
    public async Task An_admin_onboards_a_device_a_partners_broker_announced_without_a_place(int width, int height)
    {
        var api = fixture.Api;
        var district = MemoryPlatformFixture.NewId("Announced");
        using var gatewayResponse = await api.SendAsync(HttpMethod.Post, "/api/gateways", PlatformApi.Admin, PlatformApi.Json(new { id = "gw-" + district, name = "Context broker", districts = new[] { district } }));
        var secret = (await PlatformApi.BodyAsync(gatewayResponse))["credential"]!;
        var gateway = (secret["username"]!.GetValue<string>(), secret["secret"]!.GetValue<string>());
        var id = "gauge-" + district;
        // A gauge whose broker knows its levels but not where it stands.
        var entity = new
        {
            id = $"urn:ngsi-ld:Device:{id}", type = "Device", name = "River gauge by the ferry pier", controlledProperty = new[] { "waterLevel" },
            configuration = new[] { new { parameter = "referenceLevel", value = "0" }, new { parameter = "alertLevel", value = "0.3" }, new { parameter = "dangerLevel", value = "0.6" } },
        };
        using (var announced = await api.PostIngestAsync("/ngsi-ld/v1/entities", gateway, PlatformApi.Json(entity)))
        {
            Assert.True(announced.StatusCode == HttpStatusCode.Created, $"{(int)announced.StatusCode}: {await announced.Content.ReadAsStringAsync()}");
        }

        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Admin, "/admin");
        await page.SetViewportSizeAsync(width, height);
        var row = page.Locator($"#announced tr[data-id='{id}']");
        await Assertions.Expect(row).ToContainTextAsync("River gauge by the ferry pier");
        await Assertions.Expect(row).ToContainTextAsync("waterLevel");
        await Assertions.Expect(row).ToContainTextAsync("location");
        await row.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"admin-announced-{width}x{height}.png") });

        // Onboard…: the form takes its id, name and district; the admin gives the place and the gauge's levels.
        await row.GetByRole(AriaRole.Button, new() { Name = "Onboard…" }).ClickAsync();
        await Assertions.Expect(page.Locator("#f-id")).ToHaveValueAsync(id);
        await Assertions.Expect(page.Locator("#f-district")).ToHaveValueAsync(district);
        await page.SelectOptionAsync("#f-kind", "floodSensor");
        await page.FillAsync("#f-lat", "37.5290");
        await page.FillAsync("#f-lon", "126.9320");
        await page.FillAsync("#f-zone", "parking-1");
        await page.FillAsync("#f-reference", "0");
        await page.FillAsync("#f-alert", "0.3");
        await page.FillAsync("#f-danger", "0.6");
        await page.ClickAsync("#save");
        await Assertions.Expect(page.Locator("#credential")).ToContainTextAsync($"{id} onboarded");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Equal("floodSensor", (await api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Admin))["kind"]!.GetValue<string>());
        await page.Context.CloseAsync();
    }
}
