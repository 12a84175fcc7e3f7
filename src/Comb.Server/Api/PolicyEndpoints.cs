using System.Text.RegularExpressions;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/policies: stored policies by name with every revision; admins write (audited), every role reads.</summary>
internal static partial class PolicyEndpoints
{
    public sealed record PolicyRequest(string? Yaml);

    public sealed record PolicySummary(string Name, int Revision, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? UpdatedBy);

    public sealed record RevisionSummary(string Name, int Revision, DateTimeOffset CreatedAt, string? CreatedBy);

    /// <summary>Largest policy accepted; real policies are a few kilobytes.</summary>
    public const int MaxYamlChars = 256 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        var policies = api.MapGroup("/policies").WithTags("policies");
        policies.MapGet("/", async (PolicyStore store, CancellationToken ct) =>
            Results.Ok((await store.ListAsync(ct)).Select(p => new PolicySummary(p.Name, p.Revision, p.CreatedAt, p.UpdatedAt, p.UpdatedBy)).ToList()))
            .WithName("ListPolicies").WithSummary("Stored policies with their current revision").Produces<IReadOnlyList<PolicySummary>>();

        policies.MapGet("/{name}", async (string name, PolicyStore store, CancellationToken ct) =>
            await store.GetAsync(name, ct) is { } policy ? Results.Ok(policy) : ApiProblems.NotFound($"no policy '{name}'"))
            .WithName("GetPolicy").WithSummary("A policy's current YAML and revision")
            .Produces<StoredPolicy>().ProducesProblem(StatusCodes.Status404NotFound);

        policies.MapPut("/{name}", async (string name, PolicyRequest request, PolicyStore store, AuditLog audit, HttpContext context, TimeProvider time, CancellationToken ct) =>
        {
            if (!IsValidName(name))
            {
                return ApiProblems.BadRequest($"policy name '{name}' must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }

            if (string.IsNullOrWhiteSpace(request.Yaml) || request.Yaml.Length > MaxYamlChars)
            {
                return ApiProblems.BadRequest($"give the policy as {{\"yaml\": \"...\"}} (at most {MaxYamlChars} characters)");
            }

            var errors = PolicyCatalog.Check(name, request.Yaml);
            if (errors.Count == 0)
            {
                // Live exceptions must still fit the new revision (a rule they name may have been removed).
                var today = PolicyCatalog.Today(time);
                errors = [.. (await store.ExceptionsAsync(name, ct)).Where(e => e.IsLive(today))
                    .SelectMany(e => PolicyCatalog.CheckException(request.Yaml, e.Fields, $"exception {e.Id}"))];
            }

            if (errors.Count > 0)
            {
                return ApiProblems.BadRequest($"invalid policy {name}: {errors.Count} problem(s)", errors);
            }

            var saved = await store.SaveAsync(name, request.Yaml, AuditLog.ActorOf(context.User), ct);
            var created = saved.Revision == 1;
            await audit.WriteAsync(context, created ? "policy.create" : "policy.update", name, $"revision={saved.Revision}", ct);
            return created ? Results.Created($"/api/v1/policies/{name}", saved) : Results.Ok(saved);
        })
        .RequireAuthorization(ServerRoles.CanAdminister)
        .WithName("SavePolicy").WithSummary("Create a policy or save a new revision; the YAML is validated by the policy loader")
        .Produces<StoredPolicy>().Produces<StoredPolicy>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        policies.MapGet("/{name}/revisions", async (string name, PolicyStore store, CancellationToken ct) =>
        {
            var revisions = await store.RevisionsAsync(name, ct);
            return revisions.Count == 0 ? ApiProblems.NotFound($"no policy '{name}'")
                : Results.Ok(revisions.Select(r => new RevisionSummary(r.Name, r.Revision, r.CreatedAt, r.CreatedBy)).ToList());
        })
        .WithName("ListPolicyRevisions").WithSummary("Every revision of a policy, newest first")
        .Produces<IReadOnlyList<RevisionSummary>>().ProducesProblem(StatusCodes.Status404NotFound);

        policies.MapGet("/{name}/revisions/{revision:int}", async (string name, int revision, PolicyStore store, CancellationToken ct) =>
            (await store.RevisionsAsync(name, ct)).FirstOrDefault(r => r.Revision == revision) is { } found
                ? Results.Ok(found) : ApiProblems.NotFound($"no revision {revision} of policy '{name}'"))
        .WithName("GetPolicyRevision").WithSummary("One revision's YAML")
        .Produces<PolicyRevision>().ProducesProblem(StatusCodes.Status404NotFound);

        policies.MapGet("/{name}/resolved", async (string name, IPolicyCatalog catalog, CancellationToken ct) =>
            await catalog.ResolveAsync(name, ct) is { } resolved ? Results.Ok(resolved) : ApiProblems.NotFound($"no policy '{name}'"))
        .WithName("ResolvePolicy").WithSummary("The policy as a scan applies it now: its YAML with live exceptions merged in, and a revision string")
        .Produces<ResolvedPolicy>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}
