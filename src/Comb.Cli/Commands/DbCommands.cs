using System.CommandLine;
using Comb.VulnDb;
using Comb.VulnDb.Database;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb db update|import|info: build and inspect the advisory database.</summary>
internal static class DbCommands
{
    public static Command Build(IServiceProvider services)
    {
        var db = new Command("db", "Build and inspect the advisory database");
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache directory holding db/comb.db (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var dbPath = new Option<string?>("--db") { Description = "Advisory database file (default: <cache>/db/comb.db)" };

        var mirror = new Option<string?>("--mirror") { Description = "Base URL of a mirror laid out like an import directory (osv/, debian/, alpine-secdb/, kev/, secrets/)" };
        var registry = new DbRegistryOptions();
        var repository = new Option<string[]>("--repository")
        {
            Description = "Pull a database published with comb db push instead of building one: REGISTRY/REPO[:TAG|@DIGEST]; repeat for fallbacks tried in order on 429/5xx",
        };
        var trustedKeys = DbSigningOptions.TrustedKeys();
        var update = new Command("update", "Download the advisory feeds (OSV, Debian, Alpine, CISA KEV, published secret values) and rebuild the database") { mirror, repository, cacheDir, dbPath, trustedKeys };
        registry.AddTo(update);
        update.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(repository) is { Length: > 0 } repositories)
            {
                if (parse.GetValue(mirror) is not null)
                {
                    throw new Contracts.CombInputException("--repository and --mirror cannot be used together: pull a built database, or build one from feeds");
                }

                var pull = registry.Of(parse) with { TrustedKeys = DbSigningOptions.ReadTrustedKeys(parse.GetValue(trustedKeys)) };
                return await DbArtifactCommands.PullAsync(repositories, parse.GetValue(dbPath), parse.GetValue(cacheDir), pull, parse.InvocationConfiguration.Output, cancellationToken);
            }

            if (parse.GetValue(trustedKeys) is { Length: > 0 })
            {
                throw new Contracts.CombInputException("--key checks the signature of a database pulled with --repository; a database built from feeds is not signed");
            }

            var options = new DbUpdateOptions { Mirror = parse.GetValue(mirror) };
            return await Handlers(services).UpdateAsync(parse.GetValue(dbPath), parse.GetValue(cacheDir), options, parse.InvocationConfiguration.Output, cancellationToken);
        });

        var pushRef = new Argument<string>("REF") { Description = "Where to publish: REGISTRY/REPO:TAG" };
        var signingKey = DbSigningOptions.SigningKey();
        var push = new Command("push", "Publish the advisory database to a registry as an OCI artifact (for air-gapped sites and fleets)") { pushRef, cacheDir, dbPath, signingKey };
        registry.AddTo(push);
        push.SetAction(async (parse, cancellationToken) =>
            await DbArtifactCommands.PushAsync(parse.GetValue(pushRef)!, parse.GetValue(dbPath), parse.GetValue(cacheDir),
                registry.Of(parse) with { SigningKey = DbSigningOptions.ReadSigningKey(parse.GetValue(signingKey)) }, parse.InvocationConfiguration.Output, cancellationToken));

        var path = new Argument<string[]>("PATH")
        {
            Description = "Feed directories (osv/<Ecosystem>/all.zip, debian/, alpine-secdb/, kev/, secrets/gitleaks.toml), or a gitleaks rule file whose published values the secret scanner leaves out",
            Arity = ArgumentArity.OneOrMore,
        };
        var import = new Command("import", "Build the advisory database from feed files on disk (air-gapped)") { path, cacheDir, dbPath };
        import.SetAction(async (parse, cancellationToken) =>
        {
            return await Handlers(services).ImportAsync(parse.GetValue(path)!, parse.GetValue(dbPath), parse.GetValue(cacheDir), parse.InvocationConfiguration.Output, cancellationToken);
        });

        var info = new Command("info", "Show the schema version, build time, and per source the record count and newest modification") { cacheDir, dbPath };
        info.SetAction(parse => Handlers(services).Info(parse.GetValue(dbPath), parse.GetValue(cacheDir), parse.InvocationConfiguration.Output));

        db.Subcommands.Add(update);
        db.Subcommands.Add(import);
        db.Subcommands.Add(info);
        db.Subcommands.Add(push);
        return db;
    }

    private static DbCommandHandlers Handlers(IServiceProvider services) => services.GetRequiredService<DbCommandHandlers>();
}
