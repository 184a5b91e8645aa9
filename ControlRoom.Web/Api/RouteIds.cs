namespace CityControl.Web.Api;

/// <summary>
/// The <c>{id}</c> of a route, checked before any grain is asked: a blank id, one with control or other-than-space
/// whitespace characters, or one longer than any id the platform issues is a 400 naming <c>id</c>, not an exception
/// from the grain runtime.
/// </summary>
public static class RouteIds
{
    public const int MaxLength = 256;

    public static TBuilder RequireValidId<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.RouteValues.TryGetValue("id", out var value) && value is string id && Problem(id) is { } reason
                ? Problems.Field("id", reason)
                : await next(context));

    public static string? Problem(string id) =>
        string.IsNullOrWhiteSpace(id) ? "must not be blank"
        : id.Length > MaxLength ? $"must be at most {MaxLength} characters"
        : id.Any(c => char.IsControl(c) || (char.IsWhiteSpace(c) && c != ' ')) ? "must not hold control characters, tabs or line breaks"
        : id != id.Trim() ? "must not begin or end with a space"
        : null;
}
