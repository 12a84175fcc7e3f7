using Comb.Contracts;
using static Comb.Secrets.Rules.RuleBuilder;

namespace Comb.Secrets.Rules;

/// <summary>The built-in content rules. Each regex describes the credential's published shape.</summary>
public static partial class BuiltinRules
{
    private const Severity Crit = Severity.Critical;
    private const Severity High = Severity.High;
    private const Severity Med = Severity.Medium;
    private const Severity Low = Severity.Low;

    private const string LooseUuid = "[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}";

    internal const string Uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    private static readonly Lazy<IReadOnlyList<SecretRule>> Catalogue = new(Build);

    /// <summary>Every built-in rule, in a stable order.</summary>
    public static IReadOnlyList<SecretRule> All => Catalogue.Value;

    private static IReadOnlyList<SecretRule> Build() =>
    [
        .. Cloud(), .. Vcs(), .. CiAndRegistries(), .. Payment(), .. Chat(), .. Saas(), .. Ai(),
        .. Keys(), .. Connections(), .. Generic(),
    ];

    private static IEnumerable<SecretRule> Cloud()
    {
        const string c = "cloud";
        yield return T("aws-access-key-id", "AWS access key ID", c, Crit, "akia,asia,abia,acca,a3t",
            @"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", 3) with { Pattern = @"\b(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b" };
        yield return A("aws-secret-access-key", "AWS secret access key", c, Crit, "aws,secret_access,secretaccess,secret-access",
            "(?-i:[A-Za-z0-9/+]{40})", 4, @"aws[\w.\-]{0,20}?(?:secret|sec)[\w.\-]{0,12}?key|secret[_.\-]?access[_.\-]?key");
        yield return T("aws-bedrock-api-key", "Amazon Bedrock long-lived API key", c, High, "absk", "ABSK[A-Za-z0-9+/]{109,269}={0,2}", 3);
        yield return R("aws-bedrock-short-lived-key", "Amazon Bedrock short-lived API key", c, High, "bedrock-api-key-",
            @"\b(?<secret>bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&\-_]*)", 3);
        yield return T("gcp-api-key", "Google API key", c, High, "aiza", @"AIza[\w\-]{35}", 4) with
        {
            AllowValues = ["(?i)abcdefghij|0123456789"],
        };
        yield return R("gcp-service-account-key", "Google Cloud service account key file", c, Crit, "private_key_id",
            @"""private_key_id""\s*:\s*""(?<secret>[a-f0-9]{40})""", 3);
        yield return T("google-oauth-client-secret", "Google OAuth client secret", c, High, "gocspx-", @"GOCSPX-[A-Za-z0-9_\-]{28}", 3);
        yield return T("google-oauth-access-token", "Google OAuth access token", c, High, "ya29.", @"ya29\.[0-9A-Za-z_\-]{30,}", 3.5);
        yield return R("azure-ad-client-secret", "Azure AD client secret", c, High, "q~",
            @"(?:^|[\s'""\x60>=:(,\\])(?<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:[\s'""\x60<),\\]|\z)", 3);
        yield return A("azure-devops-pat", "Azure DevOps personal access token", c, Crit, "devops,vsts,ado_",
            "[a-z2-7]{52}|(?-i:[A-Za-z0-9]{84})", 3, @"(?:azure[_\-]?devops|vsts|ado)[\w\-]{0,20}?(?:token|pat)|devops[_\-]?pat");
        yield return R("azure-app-config-connection-string", "Azure App Configuration connection string", c, High, "azconfig.io",
            @"(?i)Endpoint=https://[\w\-]+\.azconfig\.io;Id=[^;\s]+;Secret=(?<secret>[A-Za-z0-9+/=]{20,})");
        yield return R("azure-storage-account-key", "Azure storage account key", c, Crit, "accountkey",
            @"(?i)AccountKey\s*=\s*(?<secret>[A-Za-z0-9+/]{86}==)", 4);
        yield return R("azure-sas-token", "Azure shared access signature", c, High, "sig=",
            @"(?i)(?:^|[?&\s""'])sv=\d{4}-\d\d-\d\d[^\s'""]{0,300}?[?&]sig=(?<secret>[A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})", 3.5);
        yield return T("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", c, High, "ltai", "LTAI[A-Za-z0-9]{20}", 2);
        yield return A("alibaba-secret-key", "Alibaba Cloud AccessKey secret", c, Crit, "alibaba", "[a-z0-9]{30}", 2);
        yield return A("ibm-cloud-api-key", "IBM Cloud API key", c, High, "ibm", "[a-z0-9_\\-]{44}", 3.5,
            @"ibm[_.\-]?(?:cloud)?[_.\-]?(?:api)?[_.\-]?key|ibmcloud[\w.\-]{0,10}key");
        yield return T("digitalocean-pat", "DigitalOcean personal access token", c, High, "dop_v1_", "dop_v1_[a-f0-9]{64}", 3);
        yield return T("digitalocean-access-token", "DigitalOcean OAuth access token", c, High, "doo_v1_", "doo_v1_[a-f0-9]{64}", 3);
        yield return T("digitalocean-refresh-token", "DigitalOcean OAuth refresh token", c, High, "dor_v1_", "(?i:dor_v1_[a-f0-9]{64})");
        yield return A("heroku-api-key", "Heroku API key", c, High, "heroku", Uuid);
        yield return T("heroku-api-key-v2", "Heroku API key (HRKU)", c, High, "hrku-aa", "HRKU-AA[0-9a-zA-Z_\\-]{58}", 4);
        yield return A("cloudflare-api-token", "Cloudflare API token", c, High, "cloudflare", "[a-z0-9_\\-]{40}", 2);
        yield return A("cloudflare-global-api-key", "Cloudflare global API key", c, High, "cloudflare", "[a-f0-9]{37}", 2);
        yield return T("cloudflare-origin-ca-key", "Cloudflare Origin CA key", c, High, "v1.0-", "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}", 2);
        yield return T("flyio-access-token", "Fly.io access token", c, High, "fo1_,fm1,fm2_",
            "fo1_[\\w\\-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3}", 4);
        yield return A("yandex-api-key", "Yandex Cloud API key", c, High, "yandex", "AQVN[a-z0-9_\\-]{35,38}");
        yield return A("yandex-aws-access-token", "Yandex Cloud static access key", c, High, "yandex", "YC[a-z0-9_\\-]{38}");
        yield return A("yandex-iam-token", "Yandex Cloud IAM token", c, High, "yandex", "t1\\.[a-z0-9_\\-]+={0,2}\\.[a-z0-9_\\-]{86}={0,2}");
        yield return R("hashicorp-tf-api-token", "Terraform Cloud API token", c, High, "atlasv1",
            @"(?i)\b(?<secret>[a-z0-9]{14}\.(?-i:atlasv1)\.[a-z0-9\-_=]{60,70})", 3.5);
        yield return T("vault-service-token", "HashiCorp Vault service token", c, High, "hvs.,s.",
            @"hvs\.[\w\-]{90,120}|s\.[A-Za-z0-9]{24}", 3.5) with { AllowValues = [@"^s\.[A-Za-z]{24}$"] };
        yield return T("vault-batch-token", "HashiCorp Vault batch token", c, High, "hvb.", @"hvb\.[\w\-]{138,300}", 4);
        yield return T("openshift-user-token", "OpenShift user token", c, High, "sha256~", @"sha256~[\w\-]{43}", 3.5) with
        {
            Pattern = @"\b(?<secret>sha256~[\w\-]{43})(?:[^\w\-]|\z)",
        };
        yield return A("scaleway-secret-key", "Scaleway secret key", c, High, "scw", Uuid, 3, @"scw[_.\-]?secret[_.\-]?key");
        yield return T("linode-token", "Linode/Akamai personal access token", c, High, "linode",
            "[a-f0-9]{64}") with { Pattern = Assigned(@"linode[\w.\-]{0,12}?(?:token|key|pat)", "[a-f0-9]{64}"), MinEntropy = 3 };
    }

    private static IEnumerable<SecretRule> Vcs()
    {
        const string c = "vcs";
        yield return T("github-pat", "GitHub personal access token (classic)", c, Crit, "ghp_", "ghp_[0-9A-Za-z]{36}", 3, wordStart: false);
        yield return T("github-fine-grained-pat", "GitHub fine-grained personal access token", c, Crit, "github_pat_", @"github_pat_\w{82}", 3, wordStart: false);
        yield return T("github-oauth-token", "GitHub OAuth access token", c, High, "gho_", "gho_[0-9A-Za-z]{36}", 3, wordStart: false);
        yield return T("github-app-token", "GitHub App user-to-server or installation token", c, High, "ghu_,ghs_", "(?:ghu|ghs)_[0-9A-Za-z]{36}", 3, wordStart: false);
        yield return T("github-refresh-token", "GitHub refresh token", c, High, "ghr_", "ghr_[0-9A-Za-z]{36}", 3, wordStart: false);
        yield return T("gitlab-pat", "GitLab personal access token", c, Crit, "glpat-", @"glpat-[\w\-]{20}", 3, wordStart: false);
        yield return R("gitlab-pat-routable", "GitLab routable personal access token", c, Crit, "glpat-",
            @"\b(?<secret>glpat-[0-9A-Za-z_\-]{27,300}\.[0-9a-z]{9})\b", 4);
        yield return T("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", c, High, "glptt-", "glptt-[0-9a-f]{40}", 3, wordStart: false);
        yield return T("gitlab-runner-registration-token", "GitLab runner registration token", c, High, "gr1348941", @"GR1348941[\w\-]{20}", 3, wordStart: false);
        yield return T("gitlab-runner-token", "GitLab runner authentication token", c, High, "glrt-", @"glrt-[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return R("gitlab-runner-token-routable", "GitLab routable runner authentication token", c, High, "glrt-",
            @"\b(?<secret>glrt-t\d_[0-9A-Za-z_\-]{27,300}\.[0-9a-z]{9})\b", 4);
        yield return T("gitlab-cicd-job-token", "GitLab CI/CD job token", c, High, "glcbt-", @"glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return T("gitlab-deploy-token", "GitLab deploy token", c, High, "gldt-", @"gldt-[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return T("gitlab-feature-flag-token", "GitLab feature flag client token", c, Med, "glffct-", @"glffct-[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return T("gitlab-feed-token", "GitLab feed token", c, Med, "glft-", @"glft-[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return T("gitlab-incoming-mail-token", "GitLab incoming mail token", c, Med, "glimt-", @"glimt-[0-9A-Za-z_\-]{25}", 3, wordStart: false);
        yield return T("gitlab-agent-token", "GitLab Kubernetes agent token", c, High, "glagent-", @"glagent-[0-9A-Za-z_\-]{50}", 3, wordStart: false);
        yield return T("gitlab-oauth-app-secret", "GitLab OAuth application secret", c, High, "gloas-", @"gloas-[0-9A-Za-z_\-]{64}", 3, wordStart: false);
        yield return T("gitlab-scim-token", "GitLab SCIM OAuth token", c, High, "glsoat-", @"glsoat-[0-9A-Za-z_\-]{20}", 3, wordStart: false);
        yield return R("gitlab-session-cookie", "GitLab session cookie", c, High, "_gitlab_session=", @"_gitlab_session=(?<secret>[0-9a-z]{32})", 3);
        yield return A("bitbucket-client-id", "Bitbucket client ID", c, Med, "bitbucket", "[a-z0-9]{32}");
        yield return A("bitbucket-client-secret", "Bitbucket client secret", c, High, "bitbucket", "[a-z0-9=_\\-]{64}");
        yield return T("bitbucket-app-password", "Bitbucket app password", c, High, "atbb", "ATBB[A-Za-z0-9_=.\\-]{32}", 3.5);
        yield return A("gitter-access-token", "Gitter access token", c, Med, "gitter", "[a-z0-9_\\-]{40}");
        yield return T("sourcegraph-access-token", "Sourcegraph access token", c, High, "sgp_",
            "(?i:sgp_(?:[a-f0-9]{16}|local)_[a-f0-9]{40}|sgp_[a-f0-9]{40})", 3);
        yield return A("sourcegraph-token-assignment", "Sourcegraph access token (assigned)", c, High, "sourcegraph", "[a-f0-9]{40}", 3);
    }

    private static IEnumerable<SecretRule> CiAndRegistries()
    {
        const string ci = "ci-cd";
        const string reg = "package-registry";
        yield return A("circleci-token", "CircleCI personal API token", ci, High, "circle", "(?:CCIPAT_[A-Za-z0-9]{22}_)?[a-f0-9]{40}", 3,
            @"circle[\w.\-]{0,10}?(?:token|key)");
        yield return A("travisci-access-token", "Travis CI access token", ci, High, "travis", "[a-z0-9]{22}");
        yield return A("droneci-access-token", "Drone CI access token", ci, High, "droneci", "[a-z0-9]{32}");
        yield return A("codecov-access-token", "Codecov access token", ci, Med, "codecov", "[a-z0-9]{32}");
        yield return T("octopus-deploy-api-key", "Octopus Deploy API key", ci, High, "api-", "API-[A-Z0-9]{26}", 3);
        yield return T("harness-api-key", "Harness API key or token", ci, High, "pat.,sat.",
            @"(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}");
        yield return T("pulumi-api-token", "Pulumi access token", ci, High, "pul-", "pul-[a-f0-9]{40}", 2);
        yield return T("prefect-api-token", "Prefect API key", ci, High, "pnu_", "pnu_[A-Za-z0-9]{36}", 2);
        yield return T("doppler-api-token", "Doppler API token", ci, High, "dp.pt.", @"dp\.pt\.[A-Za-z0-9]{43}", 2, wordStart: false);
        yield return T("npm-access-token", "npm access token", reg, Crit, "npm_", "(?i:npm_[a-z0-9]{36})", 2);
        yield return T("pypi-upload-token", "PyPI upload token", reg, Crit, "pypi-ag",
            @"pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[\w\-]{50,1000}", 3, wordStart: false);
        yield return T("nuget-api-key", "NuGet.org API key", reg, High, "oy2", "oy2[a-z0-9]{43}", 3);
        yield return T("rubygems-api-token", "RubyGems API key", reg, High, "rubygems_", "rubygems_[a-f0-9]{48}", 2);
        yield return T("clojars-api-token", "Clojars deploy token", reg, High, "clojars_", "(?i:CLOJARS_[a-z0-9]{60})", 2);
        yield return T("dockerhub-pat", "Docker Hub personal access token", reg, High, "dckr_pat_", "dckr_pat_[A-Za-z0-9_\\-]{27}", 3);
        yield return T("artifactory-api-key", "JFrog Artifactory API key", reg, High, "akcp", "AKCp[A-Za-z0-9]{69}", 4.5) with
        {
            Pattern = @"\b(?<secret>AKCp[A-Za-z0-9]{69})\b",
        };
        yield return T("artifactory-reference-token", "JFrog Artifactory reference token", reg, High, "cmvmd", "cmVmd[A-Za-z0-9]{59}", 4.5) with
        {
            Pattern = @"\b(?<secret>cmVmd[A-Za-z0-9]{59})\b",
        };
        yield return A("jfrog-api-key", "JFrog API key", reg, High, "jfrog,artifactory,bintray,xray", "[a-z0-9]{73}");
        yield return A("jfrog-identity-token", "JFrog identity token", reg, High, "jfrog,artifactory,bintray,xray", "[a-z0-9]{64}");
    }

    private static IEnumerable<SecretRule> Payment()
    {
        const string c = "payment";
        yield return T("stripe-secret-key", "Stripe secret or restricted key", c, Crit, "sk_test,sk_live,sk_prod,rk_test,rk_live,rk_prod",
            "(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}", 2);
        yield return T("stripe-webhook-secret", "Stripe webhook signing secret", c, High, "whsec_", "whsec_[A-Za-z0-9]{32,}", 3);
        yield return T("square-access-token", "Square access token", c, Crit, "sq0atp-,eaaa", @"(?:EAAA|sq0atp-)[\w\-]{22,60}", 2);
        yield return T("square-oauth-secret", "Square OAuth secret", c, High, "sq0csp-", @"sq0csp-[0-9A-Za-z_\-]{43}", 3);
        yield return T("paypal-braintree-access-token", "PayPal Braintree access token", c, Crit, "access_token$",
            @"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}", 3);
        yield return T("shopify-access-token", "Shopify access token", c, High, "shpat_", "shpat_[a-fA-F0-9]{32}", 2, wordStart: false);
        yield return T("shopify-custom-access-token", "Shopify custom app access token", c, High, "shpca_", "shpca_[a-fA-F0-9]{32}", 2, wordStart: false);
        yield return T("shopify-private-app-token", "Shopify private app access token", c, High, "shppa_", "shppa_[a-fA-F0-9]{32}", 2, wordStart: false);
        yield return T("shopify-shared-secret", "Shopify shared secret", c, High, "shpss_", "shpss_[a-fA-F0-9]{32}", 2, wordStart: false);
        yield return T("flutterwave-public-key", "Flutterwave public key", c, Low, "flwpubk_test", "FLWPUBK_TEST-[a-hA-H0-9]{32}-X", 2, wordStart: false);
        yield return T("flutterwave-secret-key", "Flutterwave secret key", c, High, "flwseck_test", "FLWSECK_TEST-[a-hA-H0-9]{32}-X", 2, wordStart: false);
        yield return R("flutterwave-encryption-key", "Flutterwave encryption key", c, High, "flwseck_test", "FLWSECK_TEST-[a-hA-H0-9]{12}", 2);
        yield return A("gocardless-api-token", "GoCardless API token", c, High, "gocardless", "live_[a-z0-9\\-_=]{40}");
        yield return T("shippo-api-token", "Shippo API token", c, High, "shippo_", "shippo_(?:live|test)_[a-fA-F0-9]{40}", 2);
        yield return T("easypost-api-token", "EasyPost API key", c, High, "ezak", "EZAK[A-Za-z0-9]{54}", 2) with { Pattern = @"\b(?<secret>EZAK[A-Za-z0-9]{54})\b" };
        yield return T("easypost-test-api-token", "EasyPost test API key", c, Med, "eztk", "EZTK[A-Za-z0-9]{54}", 2) with { Pattern = @"\b(?<secret>EZTK[A-Za-z0-9]{54})\b" };
        yield return A("plaid-client-id", "Plaid client ID", c, Med, "plaid", "[a-z0-9]{24}", 3.5);
        yield return A("plaid-secret-key", "Plaid secret key", c, High, "plaid", "[a-z0-9]{30}", 3.5);
        yield return A("plaid-api-token", "Plaid access token", c, High, "plaid", $"access-(?:sandbox|development|production)-{Uuid}");
        yield return A("finicity-client-secret", "Finicity client secret", c, High, "finicity", "[a-z0-9]{20}");
        yield return A("finicity-api-token", "Finicity API token", c, High, "finicity", "[a-f0-9]{32}");
        yield return A("coinbase-access-token", "Coinbase access token", c, High, "coinbase", "[a-z0-9_\\-]{64}");
        yield return A("kraken-access-token", "Kraken API key", c, High, "kraken", "[a-z0-9/=_+\\-]{80,90}");
        yield return A("kucoin-access-token", "KuCoin API key", c, High, "kucoin", "[a-f0-9]{24}");
        yield return A("kucoin-secret-key", "KuCoin secret", c, High, "kucoin", Uuid);
        yield return A("bittrex-access-key", "Bittrex access key", c, High, "bittrex", "[a-z0-9]{32}");
        yield return A("bittrex-secret-key", "Bittrex secret key", c, High, "bittrex", "[a-z0-9]{32}");
        yield return A("squarespace-access-token", "Squarespace API key", c, High, "squarespace", Uuid);
        yield return T("duffel-api-token", "Duffel API token", c, High, "duffel_", "duffel_(?:test|live)_[A-Za-z0-9_\\-=]{43}", 2, wordStart: false);
    }

    private static IEnumerable<SecretRule> Chat()
    {
        const string c = "chat";
        yield return T("slack-bot-token", "Slack bot token", c, High, "xoxb", "xoxb-[0-9]{10,13}-[0-9]{10,13}[A-Za-z0-9\\-]*", 3, wordStart: false);
        yield return T("slack-user-token", "Slack user token", c, High, "xoxp-,xoxe-", "xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9\\-]{28,34}", 2, wordStart: false);
        yield return T("slack-app-token", "Slack app-level token", c, High, "xapp", "(?i:xapp-[0-9]-[a-z0-9]+-[0-9]+-[a-z0-9]+)", 2, wordStart: false);
        yield return T("slack-config-access-token", "Slack configuration access token", c, High, "xoxe.xoxb-,xoxe.xoxp-", "(?i:xoxe\\.xox[bp]-[0-9]-[a-z0-9]{163,166})", 2, wordStart: false);
        yield return T("slack-config-refresh-token", "Slack configuration refresh token", c, High, "xoxe-", "(?i:xoxe-[0-9]-[a-z0-9]{146})", 2, wordStart: false);
        yield return T("slack-legacy-bot-token", "Slack legacy bot token", c, High, "xoxb", "xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26}", 2, wordStart: false);
        yield return T("slack-legacy-workspace-token", "Slack legacy workspace token", c, High, "xoxa,xoxr", "xox[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,48}(?:-[0-9A-Za-z]+)*", 2, wordStart: false);
        yield return T("slack-legacy-token", "Slack legacy token", c, High, "xoxo,xoxs", "xox[os]-[0-9]+-[0-9]+-[0-9]+-[a-fA-F0-9]+", 2, wordStart: false);
        yield return R("slack-webhook-url", "Slack incoming webhook", c, High, "hooks.slack.com",
            @"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/(?<secret>[A-Za-z0-9+/]{43,56})");
        yield return R("discord-webhook-url", "Discord webhook", c, High, "discord",
            @"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?<secret>[A-Za-z0-9_\-]{60,68})", 3);
        yield return A("discord-api-token", "Discord API key", c, High, "discord", "[a-f0-9]{64}");
        yield return A("discord-client-id", "Discord client ID", c, Low, "discord", "[0-9]{18}", 2);
        yield return A("discord-client-secret", "Discord client secret", c, High, "discord", "[a-z0-9=_\\-]{32}", 2);
        yield return A("telegram-bot-token", "Telegram bot token", c, High, "telegr", "[0-9]{5,16}:(?-i:A)[a-z0-9_\\-]{34}");
        yield return R("telegram-bot-token-url", "Telegram bot token in an API URL", c, High, "api.telegram.org",
            @"api\.telegram\.org/bot(?<secret>[0-9]{5,16}:[A-Za-z0-9_\-]{35})");
        yield return R("microsoft-teams-webhook", "Microsoft Teams incoming webhook", c, High, "webhook.office.com,webhookb2,incomingwebhook",
            $@"(?i)https://[a-z0-9]+\.webhook\.office\.com/webhookb2/{LooseUuid}@{LooseUuid}/IncomingWebhook/(?<secret>[a-z0-9]{{32}})/{LooseUuid}");
        yield return A("mattermost-access-token", "Mattermost access token", c, High, "mattermost", "[a-z0-9]{26}");
        yield return A("gitter-token", "Gitter token (assigned)", c, Med, "gitter_token", "[a-z0-9]{40}");
        yield return A("messagebird-api-token", "MessageBird API token", c, High, "messagebird,message-bird,message_bird", "[a-z0-9]{25}", null, @"message[_\-]?bird");
        yield return A("messagebird-client-id", "MessageBird client ID", c, Low, "messagebird,message-bird,message_bird", Uuid, null, @"message[_\-]?bird");
        yield return A("sendbird-access-id", "Sendbird application ID", c, Low, "sendbird", Uuid);
        yield return A("sendbird-access-token", "Sendbird access token", c, High, "sendbird", "[a-f0-9]{40}");
        yield return A("intercom-api-key", "Intercom access token", c, High, "intercom", "[a-z0-9=_\\-]{60}");
        yield return A("twitter-api-key", "Twitter/X API key", c, High, "twitter", "[a-z0-9]{25}");
        yield return A("twitter-api-secret", "Twitter/X API secret", c, High, "twitter", "[a-z0-9]{50}");
        yield return A("twitter-access-token", "Twitter/X access token", c, High, "twitter", "[0-9]{15,25}-[a-z0-9]{20,40}");
        yield return A("twitter-access-secret", "Twitter/X access secret", c, High, "twitter", "[a-z0-9]{45}");
        yield return A("twitter-bearer-token", "Twitter/X bearer token", c, High, "twitter", "(?-i:A{22})[a-z0-9%]{80,100}") with { KeepPlaceholders = true };
        yield return A("facebook-secret", "Facebook app secret", c, High, "facebook", "[a-f0-9]{32}", 3);
        yield return R("facebook-access-token", "Facebook app access token", c, High, "facebook",
            @"(?i)\b(?<secret>[0-9]{15,16}(?:\||%7C|%)[0-9a-z\-_]{27,40})" + TokenEnd, 3);
        yield return T("facebook-page-access-token", "Facebook page access token", c, High, "eaam,eaac", "EAA[MC][A-Za-z0-9]{100,}", 4);
        yield return A("linkedin-client-id", "LinkedIn client ID", c, Low, "linkedin,linked_in,linked-in", "[a-z0-9]{14}", 2, @"linked[_\-]?in");
        yield return A("linkedin-client-secret", "LinkedIn client secret", c, High, "linkedin,linked_in,linked-in", "[a-z0-9]{16}", 2, @"linked[_\-]?in");
        yield return A("twitch-api-token", "Twitch API token", c, High, "twitch", "[a-z0-9]{30}");
        yield return A("flickr-access-token", "Flickr access token", c, Med, "flickr", "[a-z0-9]{32}");
        yield return A("nytimes-access-token", "New York Times API key", c, Med, "nytimes,new-york-times,newyorktimes", "[a-z0-9=_\\-]{32}", null, @"nytimes|new[_\-]?york[_\-]?times");
        yield return A("etsy-access-token", "Etsy access token", c, High, "etsy", "[a-z0-9]{24}", 3, "(?-i:ETSY|[Ee]tsy)");
    }
}
