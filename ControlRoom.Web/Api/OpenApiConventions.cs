using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using CityControl.Web.Security;

namespace CityControl.Web.Api;

/// <summary>
/// The answers every endpoint can give besides its own, declared from what the endpoint is (signed-in or not, with an
/// id in its route, with a body, size-limited, rate-limited) so that the OpenAPI document lists each 4xx with the
/// ProblemDetails it carries, and the security schemes that each operation takes.
/// </summary>
public static class OpenApiConventions
{
    public const string BearerScheme = "bearer";
    public const string CookieScheme = "cookie";
    public const string IngestScheme = "ingest";

    private const string ProblemJson = "application/problem+json";

    /// <summary>Adds the standard answers to an endpoint after all its own conventions have run.</summary>
    public static void AddStandardResponses(EndpointBuilder endpoint)
    {
        var metadata = endpoint.Metadata;
        if (metadata.OfType<IExcludeFromDescriptionMetadata>().Any(m => m.ExcludeFromDescription))
        {
            return;
        }

        var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
        void Add(int status, Type type)
        {
            if (declared.Add(status))
            {
                metadata.Add(new ProducesResponseTypeMetadata(status, type, [ProblemJson]));
            }
        }

        var methods = metadata.OfType<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var hasBody = metadata.OfType<IAcceptsMetadata>().Any() && (methods.Contains("POST") || methods.Contains("PUT") || methods.Contains("PATCH"));
        var parameters = endpoint is RouteEndpointBuilder route ? route.RoutePattern.Parameters.Count : 0;
        if (hasBody || parameters > 0 || metadata.OfType<IAcceptsMetadata>().Any())
        {
            Add(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
        }

        if (RequiresSignIn(metadata))
        {
            Add(StatusCodes.Status401Unauthorized, typeof(ProblemDetails));
            Add(StatusCodes.Status403Forbidden, typeof(ProblemDetails));
        }

        if (parameters > 0)
        {
            Add(StatusCodes.Status404NotFound, typeof(ProblemDetails));
        }

        if (metadata.OfType<RequestSizeLimitAttribute>().Any())
        {
            Add(StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails));
        }

        if (hasBody)
        {
            Add(StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails));
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Add(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails));
        }

        // The cluster or its storage being replaced (ClusterUnavailableResponses).
        Add(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails));
    }

    /// <summary>The security schemes: bearer tokens (API), the sign-in cookie (pages), HTTP Basic (device and gateway ingest).</summary>
    public static Task AddSecuritySchemes(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An access token from POST /api/auth/token (renew it with POST /api/auth/refresh; end it with POST /api/auth/sign-out).",
        };
        document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "citycontrol",
            Description = "The sign-in cookie of the control room's pages (POST /login).",
        };
        document.Components.SecuritySchemes[IngestScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "A device's or gateway's ingest credential: user 'device:{id}' or 'gateway:{id}', the secret shown at onboarding.",
        };
        return Task.CompletedTask;
    }

    /// <summary>Each operation that needs a sign-in names the schemes it takes.</summary>
    public static Task AddSecurityRequirements(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!RequiresSignIn(metadata))
        {
            return Task.CompletedTask;
        }

        var document = context.Document;
        operation.Security = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Policies.Ingest)
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(IngestScheme, document)] = [] }]
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, document)] = [] },
            ];
        return Task.CompletedTask;
    }

    private static bool RequiresSignIn(IEnumerable<object> metadata)
    {
        var list = metadata as IList<object> ?? [.. metadata];
        return list.OfType<IAuthorizeData>().Any() && !list.OfType<IAllowAnonymous>().Any();
    }
}
