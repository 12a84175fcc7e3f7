using Comb.Contracts;
using static Comb.Secrets.Rules.RuleBuilder;

namespace Comb.Secrets.Rules;

public static partial class BuiltinRules
{
    private static IEnumerable<SecretRule> Saas()
    {
        const string c = "saas";
        const string mon = "monitoring";
        const string mail = "email";
        yield return T("1password-secret-key", "1Password account secret key", c, Crit, "a3-",
            "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})(?:-[A-Z0-9]{5}){3}", 3.8) with
        {
            Pattern = @"\b(?<secret>A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})(?:-[A-Z0-9]{5}){3})\b",
        };
        yield return R("1password-service-account-token", "1Password service account token", c, Crit, "ops_",
            @"\b(?<secret>ops_eyJ[A-Za-z0-9+/]{250,}={0,3})", 4);
        yield return A("adafruit-api-key", "Adafruit IO key", c, Med, "adafruit", "[a-z0-9_\\-]{32}");
        yield return A("adobe-client-id", "Adobe OAuth client ID", c, Low, "adobe", "[a-f0-9]{32}", 2);
        yield return T("adobe-client-secret", "Adobe client secret", c, High, "p8e-", "p8e-[A-Za-z0-9]{32}", 2);
        yield return A("airtable-api-key", "Airtable API key", c, High, "airtable", "[a-z0-9]{17}");
        yield return R("airtable-pat", "Airtable personal access token", c, High, "pat",
            @"\b(?<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b");
        yield return A("algolia-api-key", "Algolia API key", c, Med, "algolia", "[a-z0-9]{32}");
        yield return A("asana-client-id", "Asana client ID", c, Low, "asana", "[0-9]{16}");
        yield return A("asana-client-secret", "Asana client secret", c, High, "asana", "[a-z0-9]{32}");
        yield return R("atlassian-api-token", "Atlassian (Jira/Confluence) API token", c, High, "atlassian,confluence,jira,atatt3",
            Assigned("(?-i:ATLASSIAN|[Aa]tlassian|CONFLUENCE|[Cc]onfluence|JIRA|[Jj]ira)", "[a-z0-9]{20}[a-f0-9]{4}")
            + @"|\b(?<secret>ATATT3[A-Za-z0-9_\-=]{186})" + TokenEnd, 3.5);
        yield return R("authress-access-key", "Authress service client access key", c, High, "sc_,ext_,scauth_,authress_",
            @"\b(?<secret>(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_\-][a-z0-9\-]{10,32}\.[A-Za-z0-9+/_=\-]{30,120})" + TokenEnd, 2);
        yield return A("beamer-api-token", "Beamer API token", c, Med, "beamer", "b_[a-z0-9=_\\-]{44}");
        yield return T("clickhouse-cloud-api-secret", "ClickHouse Cloud API secret", c, High, "4b1d", "4b1d[A-Za-z0-9]{38}", 3) with
        {
            Pattern = @"\b(?<secret>4b1d[A-Za-z0-9]{38})\b",
        };
        yield return A("confluent-access-token", "Confluent access token", c, High, "confluent", "[a-z0-9]{16}");
        yield return A("confluent-secret-key", "Confluent secret key", c, High, "confluent", "[a-z0-9]{64}");
        yield return A("contentful-delivery-api-token", "Contentful delivery API token", c, Med, "contentful", "[a-z0-9=_\\-]{43}");
        yield return A("datadog-access-token", "Datadog access token", mon, High, "datadog", "[a-z0-9]{40}");
        yield return A("datadog-api-key", "Datadog API key", mon, High, "dd_api_key,dd-api-key,datadog_api_key", "[a-f0-9]{32}", 3,
            @"(?:dd|datadog)[_\-]?api[_\-]?key");
        yield return A("defined-networking-api-token", "Defined Networking API token", c, High, "dnkey", "dnkey-[a-z0-9=_\\-]{26}-[a-z0-9=_\\-]{52}");
        yield return A("dropbox-api-token", "Dropbox API secret", c, High, "dropbox", "[a-z0-9]{15}");
        yield return A("dropbox-long-lived-api-token", "Dropbox long-lived API token", c, High, "dropbox", "[a-z0-9]{11}(?-i:AAAAAAAAAA)[a-z0-9\\-_=]{43}") with { KeepPlaceholders = true };
        yield return A("dropbox-short-lived-api-token", "Dropbox short-lived API token", c, High, "dropbox", "sl\\.[a-z0-9\\-=_]{135}");
        yield return T("dynatrace-api-token", "Dynatrace API token", mon, High, "dt0c01.", @"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", 4, wordStart: false);
        yield return A("fastly-api-token", "Fastly API key", c, High, "fastly", "[a-z0-9=_\\-]{32}");
        yield return A("finnhub-access-token", "Finnhub access token", c, Med, "finnhub", "[a-z0-9]{20}");
        yield return T("frameio-api-token", "Frame.io API token", c, High, "fio-u-", "fio-u-[A-Za-z0-9\\-_=]{64}", null, wordStart: false);
        yield return R("freemius-secret-key", "Freemius secret key", c, High, "secret_key",
            @"(?i)[""']secret_key[""']\s*=>\s*[""'](?<secret>sk_[^\s""']{29})[""']") with { PathPattern = @"(?i)\.php$" };
        yield return A("freshbooks-access-token", "FreshBooks access token", c, High, "freshbooks", "[a-z0-9]{64}");
        yield return T("grafana-api-key", "Grafana API key", mon, High, "eyjrijoi", "(?i:eyJrIjoi[A-Za-z0-9]{70,400}={0,3})", 3);
        yield return T("grafana-cloud-api-token", "Grafana Cloud API token", mon, High, "glc_", "(?i:glc_[A-Za-z0-9+/]{32,400}={0,3})", 3);
        yield return T("grafana-service-account-token", "Grafana service account token", mon, High, "glsa_", "(?i:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})", 3);
        yield return R("hashicorp-tf-password", "Password in a Terraform/HCL file", c, High, "password",
            @"(?i)(?:administrator_login_password|password)[\w.\-]{0,20}?[ \t]*=[ \t]*""(?<secret>[a-z0-9=_\-]{8,20})""", 2) with
        {
            PathPattern = @"(?i)\.(?:tf|hcl)$",
        };
        yield return A("hubspot-api-key", "HubSpot API key", c, High, "hubspot", Uuid);
        yield return T("infracost-api-token", "Infracost API token", c, Med, "ico-", "ico-[A-Za-z0-9]{32}", 3);
        yield return T("intra42-client-secret", "42 Intra client secret", c, High, "s-s4t2ud-,s-s4t2af-", "s-s4t2(?:ud|af)-[a-fA-F0-9]{64}", 3);
        yield return A("launchdarkly-access-token", "LaunchDarkly access token", c, High, "launchdarkly", "[a-z0-9=_\\-]{40}");
        yield return T("linear-api-key", "Linear API key", c, High, "lin_api_", "lin_api_[A-Za-z0-9]{40}", 2, wordStart: false);
        yield return A("linear-client-secret", "Linear client secret", c, High, "linear", "[a-f0-9]{32}", 2);
        yield return A("lob-api-key", "Lob API key", c, High, "lob", "(?:live|test)_[a-f0-9]{35}");
        yield return A("lob-pub-api-key", "Lob publishable API key", c, Low, "lob", "(?:test|live)_pub_[a-f0-9]{31}");
        yield return A("looker-client-id", "Looker client ID", c, Low, "looker", "[a-z0-9]{20}");
        yield return A("looker-client-secret", "Looker client secret", c, High, "looker", "[a-z0-9]{24}");
        yield return A("mailchimp-api-key", "Mailchimp API key", mail, High, "mailchimp", "[a-f0-9]{32}-us[0-9]{1,2}");
        yield return A("mailgun-private-api-token", "Mailgun private API key", mail, High, "mailgun", "key-[a-f0-9]{32}");
        yield return A("mailgun-pub-key", "Mailgun public validation key", mail, Low, "mailgun", "pubkey-[a-f0-9]{32}");
        yield return A("mailgun-signing-key", "Mailgun webhook signing key", mail, High, "mailgun", "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}");
        yield return T("sendgrid-api-token", "SendGrid API key", mail, High, "sg.", @"SG\.[A-Za-z0-9=_\-.]{66}", 2);
        yield return T("sendinblue-api-token", "Brevo (Sendinblue) API key", mail, High, "xkeysib-", "xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", 2);
        yield return T("twilio-api-key", "Twilio API key SID", mail, High, "sk", "SK[0-9a-fA-F]{32}", 3) with { Pattern = @"\b(?<secret>SK[0-9a-fA-F]{32})\b" };
        yield return A("twilio-auth-token", "Twilio auth token", mail, High, "twilio", "[a-f0-9]{32}", 3, @"twilio[\w.\-]{0,10}?(?:auth|token|secret)");
        yield return A("mapbox-api-token", "Mapbox access token", c, Med, "mapbox", @"(?:pk|sk)\.[a-z0-9]{60}\.[a-z0-9]{22}");
        yield return T("maxmind-license-key", "MaxMind license key", c, Med, "_mmk", "[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk", 4);
        yield return A("cisco-meraki-api-key", "Cisco Meraki API key", c, High, "meraki", "(?-i:[0-9a-f]{40})", 3, "(?-i:[Mm]eraki|MERAKI)");
        yield return T("new-relic-user-api-key", "New Relic user API key", mon, High, "nrak-", "(?i:NRAK-[a-z0-9]{27})", 3);
        yield return A("new-relic-user-api-id", "New Relic user API ID", mon, Med, "new-relic,newrelic,new_relic", "[a-z0-9]{64}", null, @"new[_\-]?relic");
        yield return A("new-relic-browser-api-token", "New Relic browser API token", mon, Med, "nrjs-", "NRJS-[a-f0-9]{19}", null, @"new[_\-]?relic");
        yield return A("new-relic-insert-key", "New Relic insert key", mon, High, "nrii-", "NRII-[a-z0-9\\-]{32}", null, @"new[_\-]?relic");
        yield return T("new-relic-license-key", "New Relic license key", mon, High, "nral", "[a-f0-9]{36}NRAL", 3);
        yield return A("netlify-access-token", "Netlify access token", c, High, "netlify", "[a-z0-9=_\\-]{40,46}");
        yield return T("notion-api-token", "Notion integration token", c, High, "ntn_", "ntn_[0-9]{11}[A-Za-z0-9]{35}", 4);
        yield return T("notion-secret", "Notion integration secret (legacy)", c, High, "secret_", "secret_[A-Za-z0-9]{43}", 4.2);
        yield return R("nuget-config-password", "Cleartext password in NuGet.config", c, High, "<add key=",
            @"(?i)<add\s+key=""(?:cleartext)?password""\s+value=""(?<secret>[^""]{8,})""\s*/>", 1) with
        {
            PathPattern = @"(?i)(?:^|/)nuget\.config$",
        };
        yield return A("okta-access-token", "Okta API token", c, High, "okta", @"00[\w=\-]{40}", 4, "(?-i:[Oo]kta|OKTA)");
        yield return T("perplexity-api-key", "Perplexity API key", "ai", High, "pplx-", "pplx-[A-Za-z0-9]{48}", 4) with
        {
            Pattern = @"\b(?<secret>pplx-[A-Za-z0-9]{48})\b",
        };
        yield return T("planetscale-password", "PlanetScale password", c, High, "pscale_pw_", @"(?i:pscale_pw_[\w=.\-]{32,64})", 3);
        yield return T("planetscale-api-token", "PlanetScale API token", c, High, "pscale_tkn_", @"(?i:pscale_tkn_[\w=.\-]{32,64})", 3);
        yield return T("planetscale-oauth-token", "PlanetScale OAuth token", c, High, "pscale_oauth_", @"pscale_oauth_[\w=.\-]{32,64}", 3);
        yield return T("postman-api-token", "Postman API key", c, High, "pmak-", "PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}", 3);
        yield return A("privateai-api-token", "Private AI API key", "ai", High, "privateai,private_ai,private-ai", "[a-z0-9]{32}", 3, @"private[_\-]?ai");
        yield return A("rapidapi-access-token", "RapidAPI key", c, High, "rapidapi", "[a-z0-9_\\-]{50}");
        yield return T("readme-api-token", "ReadMe API key", c, High, "rdme_", "rdme_[a-z0-9]{70}", 2);
        yield return T("scalingo-api-token", "Scalingo API token", c, High, "tk-us-", @"tk-us-[\w\-]{48}", 2);
        yield return A("sentry-access-token", "Sentry access token", mon, High, "sentry", "[a-f0-9]{64}", 3);
        yield return R("sentry-org-token", "Sentry organization token", mon, High, "sntrys_",
            @"\b(?<secret>sntrys_eyJpYXQiO[A-Za-z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[A-Za-z0-9+/]{10,200}={0,2}_[A-Za-z0-9+/]{43})(?:[^A-Za-z0-9+/]|\z)", 4.5);
        yield return T("sentry-user-token", "Sentry user token", mon, High, "sntryu_", "sntryu_[a-f0-9]{64}", 3.5);
        yield return T("settlemint-application-access-token", "SettleMint application access token", c, High, "sm_aat", "sm_aat_[A-Za-z0-9]{16}", 3);
        yield return T("settlemint-personal-access-token", "SettleMint personal access token", c, High, "sm_pat", "sm_pat_[A-Za-z0-9]{16}", 3);
        yield return T("settlemint-service-access-token", "SettleMint service access token", c, High, "sm_sat", "sm_sat_[A-Za-z0-9]{16}", 3);
        yield return A("sidekiq-secret", "Sidekiq Enterprise credentials", c, High, "bundle_enterprise__contribsys__com,bundle_gems__contribsys__com",
            "[a-f0-9]{8}:[a-f0-9]{8}", null, "BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM");
        yield return R("sidekiq-sensitive-url", "Sidekiq Enterprise credentials in a URL", c, High, "gems.contribsys.com,enterprise.contribsys.com",
            @"(?i)\bhttps?://(?<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com(?:[/#?:\s'""\x60]|\z)");
        yield return A("snyk-api-token", "Snyk API token", c, High, "snyk", Uuid, null, @"snyk[_.\-]?(?:(?:api|oauth)[_.\-]?)?(?:key|token)");
        yield return A("sonar-api-token", "SonarQube/SonarCloud token", c, High, "sonar", "(?:squ_|sqp_|sqa_)?[a-z0-9=_\\-]{40}", null, @"sonar[_.\-]?(?:login|token)");
        yield return A("sumologic-access-id", "Sumo Logic access ID", mon, Med, "sumo", "(?-i:su[A-Za-z0-9]{12})", 3, "(?-i:[Ss]umo|SUMO)");
        yield return A("sumologic-access-token", "Sumo Logic access key", mon, High, "sumo", "[a-z0-9]{64}", 3, "(?-i:[Ss]umo|SUMO)");
        yield return A("typeform-api-token", "Typeform API token", c, High, "typeform", @"tfp_[a-z0-9\-_.=]{59}");
        yield return A("zendesk-secret-key", "Zendesk secret key", c, High, "zendesk", "[a-z0-9]{40}");
        yield return A("yandex-oauth-token", "Yandex OAuth token", c, High, "yandex", @"y[0-3]_[a-z0-9_\-]{55}");
    }

    private static IEnumerable<SecretRule> Ai()
    {
        const string c = "ai";
        yield return T("openai-api-key", "OpenAI API key", c, Crit, "t3blbkfj",
            "sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\\-]{20,74}T3BlbkFJ[A-Za-z0-9_\\-]{20,74}", 3);
        yield return T("openai-project-key", "OpenAI project API key", c, Crit, "sk-proj-", "sk-proj-[A-Za-z0-9_\\-]{100,200}", 4);
        yield return T("anthropic-api-key", "Anthropic API key", c, Crit, "sk-ant-api03", "sk-ant-api03-[\\w\\-]{93}AA");
        yield return T("anthropic-admin-api-key", "Anthropic admin API key", c, Crit, "sk-ant-admin01", "sk-ant-admin01-[\\w\\-]{93}AA");
        yield return T("huggingface-access-token", "Hugging Face access token", c, High, "hf_", "hf_[A-Za-z]{34}", 2);
        yield return T("huggingface-organization-api-token", "Hugging Face organization API token", c, High, "api_org_", "api_org_[A-Za-z]{34}", 2);
        yield return T("databricks-api-token", "Databricks API token", c, High, "dapi", "dapi[a-f0-9]{32}(?:-[0-9])?", 3);
        yield return A("cohere-api-token", "Cohere API key", c, High, "cohere,co_api_key", "(?-i:[A-Za-z0-9]{40})", 4);
        yield return T("groq-api-key", "Groq API key", c, High, "gsk_", "gsk_[A-Za-z0-9]{52}", 4);
        yield return T("replicate-api-token", "Replicate API token", c, High, "r8_", "r8_[A-Za-z0-9]{37}", 4);
    }
}
