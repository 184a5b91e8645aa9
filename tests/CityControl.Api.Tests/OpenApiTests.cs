using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>The OpenAPI document a partner's developer generates a client from: every operation fully described.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class OpenApiTests(MemoryPlatformFixture fixture)
{
    /// <summary>Operations that take no body although they change something: the route says it all.</summary>
    private static readonly HashSet<string> WithoutBody = new(StringComparer.Ordinal)
    {
        "POST /api/devices/{id}/credential",
        "POST /api/gateways/{id}/credential",
        "POST /api/auth/sign-out",
        "DELETE /api/devices/{id}",
        "DELETE /api/cameras/{id}/grants/{grantId}",
        "POST /api/incidents/{id}/routes/{unit}/complete",
    };

    [Fact]
    public async Task Every_operation_has_a_summary_its_request_and_response_schemas_its_4xx_answers_and_its_security()
    {
        var document = await fixture.Api.GetJsonAsync("/openapi/v1.json");
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        var problems = new List<string>();
        var operations = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                operations++;
                var operation = node!.AsObject();
                var name = $"{method.ToUpperInvariant()} {path}";
                void Check(bool ok, string what)
                {
                    if (!ok)
                    {
                        problems.Add($"{name}: {what}");
                    }
                }

                Check(operation["summary"]?.GetValue<string>() is { Length: > 10 }, "no summary");
                var responses = operation["responses"]!.AsObject();
                var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
                Check(success.Count > 0, "no 2xx answer");
                foreach (var (status, response) in success.Where(r => r.Key != "204"))
                {
                    var content = response!["content"]?.AsObject();
                    Check(content is { Count: > 0 } && content.All(c => c.Value!["schema"] is not null), $"{status} has no content schema");
                }

                Check(responses.Any(r => r.Key.StartsWith('4')), "no 4xx answer");
                foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('4')))
                {
                    // ProblemDetails, or (an import refused as a whole) the report of every row.
                    Check(response!["content"]?["application/problem+json"]?["schema"] is not null
                        || (name == "POST /api/devices/import" && status == "422" && response["content"]?["application/json"]?["schema"] is not null),
                        $"{status} carries no ProblemDetails schema");
                }

                if (method is "post" or "put" or "patch" && !WithoutBody.Contains(name))
                {
                    Check(operation["requestBody"]?["content"]?.AsObject() is { Count: > 0 } body && body.All(c => c.Value!["schema"] is not null), "no request body schema");
                    Check(responses.ContainsKey("400"), "no 400 for a bad body");
                }

                if (operation["security"] is JsonArray security)
                {
                    Check(security.Count > 0 && security.All(s => s!.AsObject().All(r => schemes.ContainsKey(r.Key))), "names an unknown security scheme");
                    Check(responses.ContainsKey("401") && responses.ContainsKey("403"), "signed-in only, but no 401 and 403");
                }
                else
                {
                    Check(name is "POST /api/auth/token" or "POST /api/auth/refresh" or "GET /api/labels", "no security requirement");
                }
            }
        }

        Assert.Empty(problems);
        // Every HTTP operation the host maps under /api is in the document.
        var mapped = fixture.Platform.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => (e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true || e.RoutePattern.RawText?.StartsWith("/ngsi-ld/", StringComparison.Ordinal) == true)
                && e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Sum(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Count ?? 0);
        Assert.Equal(mapped, operations);
        Assert.True(operations >= 38, $"only {operations} operations described");
        Assert.Equal(["bearer", "cookie", "ingest"], schemes.Select(s => s.Key).Order());

        // What answers 201 is described as 201, with the body it returns.
        var onboard = document["paths"]!["/api/devices"]!["post"]!["responses"]!.AsObject();
        Assert.True(onboard.ContainsKey("201") && !onboard.ContainsKey("200"));
        Assert.Equal(["basic"], document["paths"]!["/api/telemetry"]!["post"]!["security"]!.AsArray()
            .SelectMany(s => s!.AsObject().Select(r => schemes[r.Key]!["scheme"]!.GetValue<string>())));
        Assert.True(document["components"]!["schemas"]!.AsObject().Count >= 30);
    }
}
