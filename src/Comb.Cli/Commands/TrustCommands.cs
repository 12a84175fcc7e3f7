using System.CommandLine;
using Comb.Checks.Commands;
using Comb.Contracts;
using Comb.Image.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb sign, comb verify (cosign-compatible key-based signatures) and comb policy check.</summary>
internal static class TrustCommands
{
    public static void Register(RootCommand root, IServiceProvider services)
    {
        root.Subcommands.Add(Sign(services));
        root.Subcommands.Add(Verify(services));
        root.Subcommands.Add(Policy());
    }

    private static (Option<bool> Insecure, Option<string?> User, Option<string?> Password) RegistryOptions(Command command)
    {
        var insecure = new Option<bool>("--insecure-registry") { Description = "Allow plain HTTP and self-signed TLS for the registry" };
        var user = new Option<string?>("--username") { Description = "Registry user name (or $COMB_USERNAME)" };
        var password = new Option<string?>("--password") { Description = "Registry password or token (or $COMB_PASSWORD)" };
        command.Options.Add(insecure);
        command.Options.Add(user);
        command.Options.Add(password);
        return (insecure, user, password);
    }

    private static RegistryAccess Access(ParseResult parse, (Option<bool> Insecure, Option<string?> User, Option<string?> Password) o) => new(
        parse.GetValue(o.Insecure),
        parse.GetValue(o.User) ?? Environment.GetEnvironmentVariable("COMB_USERNAME"),
        parse.GetValue(o.Password) ?? Environment.GetEnvironmentVariable("COMB_PASSWORD"));

    private static Command Sign(IServiceProvider services)
    {
        var reference = new Argument<string>("REF") { Description = "Image reference in a registry (a tag is resolved to its digest)" };
        var key = new Option<string>("--key") { Description = "PEM private key: PKCS#8, SEC1, PKCS#1 or cosign's encrypted key ($COSIGN_PASSWORD)", Required = true };
        var annotations = new Option<string[]>("-a", "--annotation") { Description = "Extra claim KEY=VALUE for the signed payload's optional section", AllowMultipleArgumentsPerToken = false };
        var command = new Command("sign", "Sign an image and push a cosign-compatible signature (tag sha256-<digest>.sig)") { reference, key, annotations };
        var registry = RegistryOptions(command);
        command.SetAction(async (parse, ct) =>
        {
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(annotations) ?? [])
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    throw new CombInputException($"annotation '{pair}' is not KEY=VALUE");
                }

                claims[pair[..eq]] = pair[(eq + 1)..];
            }

            return await services.GetRequiredService<TrustCommandHandlers>()
                .SignAsync(parse.GetValue(reference)!, parse.GetValue(key)!, claims, Access(parse, registry), parse.InvocationConfiguration.Output, ct);
        });
        return command;
    }

    private static Command Verify(IServiceProvider services)
    {
        var reference = new Argument<string>("REF") { Description = "Image reference in a registry" };
        var key = new Option<string[]>("--key") { Description = "PEM public key (or certificate) to trust; repeat for several", Required = true };
        var command = new Command("verify", "Verify an image's cosign signature: exit 0 valid, 1 missing or invalid, 2 error") { reference, key };
        var registry = RegistryOptions(command);
        command.SetAction(async (parse, ct) =>
            await services.GetRequiredService<TrustCommandHandlers>()
                .VerifyAsync(parse.GetValue(reference)!, parse.GetValue(key)!, Access(parse, registry), parse.InvocationConfiguration.Output, ct));
        return command;
    }

    private static Command Policy()
    {
        var file = new Argument<string>("FILE") { Description = "Policy YAML file" };
        var check = new Command("check", "Validate a policy file; prints FILE:LINE:COLUMN: problem for each error (exit 1 when invalid)") { file };
        check.SetAction(async (parse, ct) => await TrustCommandHandlers.CheckPolicyAsync(parse.GetValue(file)!, parse.InvocationConfiguration.Output, ct));
        var policy = new Command("policy", "Work with policy files");
        policy.Subcommands.Add(check);
        return policy;
    }
}
