using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>
/// /api/v1/exceptions: policy exceptions stored apart from the policy text (the YAML <c>exceptions</c> model: finding
/// id, package, image, rules, expiry, reason). Admins create, change and expire them (audited); every role reads.
/// </summary>
internal static class ExceptionEndpoints
{
    /// <summary><see cref="Finding"/> is the YAML entry's <c>id</c>: the finding id glob (CVE/GHSA id or alias, secret rule, ...).</summary>
    /// <summary><see cref="Owner"/>: who is accountable (on creation the caller's token name by default; kept on a change that names none).</summary>
    public sealed record ExceptionRequest(string? Policy, string? Finding, string? Package, string? Image, IReadOnlyList<string>? Rules, DateOnly? Expires, string? Reason, string? Owner = null)
    {
        public ExceptionFields Fields => new(Finding, Package, Image, Rules, Expires, Reason) { Owner = Owner };
    }

    /// <summary>An exception as the API shows it: <see cref="Active"/> says whether scans apply it today.</summary>
    public sealed record ExceptionView(
        string Id, string Policy, string? Finding, string? Package, string? Image, IReadOnlyList<string> Rules, DateOnly? Expires, string Reason,
        bool Active, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset UpdatedAt, string? UpdatedBy, DateTimeOffset? ExpiredAt, string? Owner)
    {
        public static ExceptionView Of(StoredException e, DateOnly today) =>
            new(e.Id, e.Policy, e.Finding, e.Package, e.Image, e.Rules, e.Expires, e.Reason, e.IsLive(today), e.CreatedAt, e.CreatedBy, e.UpdatedAt, e.UpdatedBy, e.ExpiredAt, e.Accountable);
    }

    public static void Map(RouteGroupBuilder api)
    {
        var exceptions = api.MapGroup("/exceptions").WithTags("exceptions");
        exceptions.MapGet("/", async (string? policy, bool? all, PolicyStore store, TimeProvider time, CancellationToken ct) =>
        {
            var today = PolicyCatalog.Today(time);
            var found = await store.ExceptionsAsync(string.IsNullOrWhiteSpace(policy) ? null : policy, ct);
            return Results.Ok(found.Where(e => all == true || e.IsLive(today)).Select(e => ExceptionView.Of(e, today)).ToList());
        })
        .WithName("ListExceptions").WithSummary("Exceptions in force (optionally of one policy; ?all=true includes expired ones)")
        .Produces<IReadOnlyList<ExceptionView>>();

        exceptions.MapGet("/{id}", async (string id, PolicyStore store, TimeProvider time, CancellationToken ct) =>
            await store.ExceptionAsync(id, ct) is { } found ? Results.Ok(ExceptionView.Of(found, PolicyCatalog.Today(time))) : ApiProblems.NotFound($"no exception '{id}'"))
        .WithName("GetException").Produces<ExceptionView>().ProducesProblem(StatusCodes.Status404NotFound);

        exceptions.MapPost("/", async (ExceptionRequest request, PolicyStore store, AuditLog audit, HttpContext context, TimeProvider time, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Policy) || await store.GetAsync(request.Policy, ct) is not { } policy)
            {
                return ApiProblems.BadRequest($"give the name of a stored policy (\"policy\"){(string.IsNullOrWhiteSpace(request.Policy) ? "" : $": no policy '{request.Policy}'")}");
            }

            var errors = PolicyCatalog.CheckException(policy.Yaml, request.Fields, "exception");
            if (errors.Count > 0)
            {
                return ApiProblems.BadRequest($"invalid exception: {errors.Count} problem(s)", errors);
            }

            var created = await store.CreateExceptionAsync(policy.Name, request.Fields, AuditLog.ActorOf(context.User), ct, context.User.Identity?.Name);
            await audit.WriteAsync(context, "exception.create", created.Id, $"policy={created.Policy} {Describe(created)}", ct);
            return Results.Created($"/api/v1/exceptions/{created.Id}", ExceptionView.Of(created, PolicyCatalog.Today(time)));
        })
        .RequireAuthorization(ServerRoles.CanAdminister)
        .WithName("CreateException").WithSummary("Add an exception to a stored policy; validated against the policy's rules")
        .Produces<ExceptionView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        exceptions.MapPut("/{id}", async (string id, ExceptionRequest request, PolicyStore store, AuditLog audit, HttpContext context, TimeProvider time, CancellationToken ct) =>
        {
            if (await store.ExceptionAsync(id, ct) is not { } existing)
            {
                return ApiProblems.NotFound($"no exception '{id}'");
            }

            if (request.Policy is not null && request.Policy != existing.Policy)
            {
                return ApiProblems.BadRequest($"an exception stays with its policy ('{existing.Policy}'); expire it and create one for '{request.Policy}'");
            }

            if (existing.ExpiredAt is not null)
            {
                return ApiProblems.Conflict($"exception '{id}' was expired; create a new one");
            }

            var policy = await store.GetAsync(existing.Policy, ct);
            var errors = policy is null ? ["exception: its policy no longer exists"] : PolicyCatalog.CheckException(policy.Yaml, request.Fields, "exception");
            if (errors.Count > 0)
            {
                return ApiProblems.BadRequest($"invalid exception: {errors.Count} problem(s)", errors);
            }

            await store.UpdateExceptionAsync(id, request.Fields, AuditLog.ActorOf(context.User), ct);
            var updated = (await store.ExceptionAsync(id, ct))!;
            await audit.WriteAsync(context, "exception.update", id, $"policy={updated.Policy} {Describe(updated)}", ct);
            return Results.Ok(ExceptionView.Of(updated, PolicyCatalog.Today(time)));
        })
        .RequireAuthorization(ServerRoles.CanAdminister)
        .WithName("UpdateException").WithSummary("Change what an exception exempts, its reason or its expiry")
        .Produces<ExceptionView>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        exceptions.MapPost("/{id}/expire", async (string id, PolicyStore store, AuditLog audit, HttpContext context, TimeProvider time, CancellationToken ct) =>
        {
            if (await store.ExceptionAsync(id, ct) is not { } existing)
            {
                return ApiProblems.NotFound($"no exception '{id}'");
            }

            if (!await store.ExpireExceptionAsync(id, AuditLog.ActorOf(context.User), ct))
            {
                return ApiProblems.Conflict($"exception '{id}' was already expired");
            }

            await audit.WriteAsync(context, "exception.expire", id, $"policy={existing.Policy}", ct);
            return Results.Ok(ExceptionView.Of((await store.ExceptionAsync(id, ct))!, PolicyCatalog.Today(time)));
        })
        .RequireAuthorization(ServerRoles.CanAdminister)
        .WithName("ExpireException").WithSummary("End an exception now; scans stop applying it")
        .Produces<ExceptionView>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static string Describe(StoredException e) =>
        string.Join(' ', new[] { ("finding", e.Finding), ("package", e.Package), ("image", e.Image), ("rules", e.Rules.Count > 0 ? string.Join(',', e.Rules) : null),
            ("expires", e.Expires?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), ("owner", e.Owner) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={p.Item2}"));
}
