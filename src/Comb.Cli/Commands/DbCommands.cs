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
        var update = new Command("update", "Download the advisory feeds (OSV, Debian, Alpine, CISA KEV, published secret values) and rebuild the database") { mirror, cacheDir, dbPath };
        update.SetAction(async (parse, cancellationToken) =>
        {
            var options = new DbUpdateOptions { Mirror = parse.GetValue(mirror) };
            return await Handlers(services).UpdateAsync(parse.GetValue(dbPath), parse.GetValue(cacheDir), options, parse.InvocationConfiguration.Output, cancellationToken);
        });

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
        return db;
    }

    private static DbCommandHandlers Handlers(IServiceProvider services) => services.GetRequiredService<DbCommandHandlers>();
}
