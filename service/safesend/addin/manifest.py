"""The Outlook add-in manifest (XML, Smart Alerts), rendered for one deployment.

IT never edits XML: `safesend manifest --base-url URL` and
`GET /addin/manifest.xml` fill this template with the district's URL, send
mode and (optionally) its Entra app registration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from string import Template
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from .. import __version__

HANDLER_NAME = "onMessageSendHandler"      # Office.actions.associate in launchevent.js
COMMAND_ID = "SafeSendReviewButton"        # the commandId the handler passes
SEND_MODES = ("SoftBlock", "PromptUser", "Block")
ADDIN_PATH = "/addin/outlook"
ICON_SIZES = (16, 32, 64, 80, 128)
SCRIPT_PATH = f"{ADDIN_PATH}/launchevent.js"
DESCRIPTION = ("Checks school email when you select Send, so a mass message cannot expose "
               "students by accident.")
TOOLTIP = ("See what SafeSend found in this message, fix it in one click, or give a reason "
           "to send it as it is.")


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class ManifestOptions:
    base_url: str
    send_mode: str = "SoftBlock"
    app_id: str = ""                 # default: derived from the base URL, stable per deployment
    entra_client_id: str = ""        # adds WebApplicationInfo for Office single sign-on
    app_id_uri: str = ""             # default api://<host>/<client id>


def normalize_base_url(base_url: str) -> str:
    parts = urlsplit((base_url or "").strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ManifestError(f"the base URL must look like https://safesend.district.org, not {base_url!r}")
    if parts.query or parts.fragment:
        raise ManifestError("the base URL must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def script_url(base_url: str) -> str:
    """The exact URL of the JavaScript-only runtime file (for the well-known allow list)."""
    return normalize_base_url(base_url) + SCRIPT_PATH


def default_app_id_uri(base_url: str, client_id: str) -> str:
    """Office SSO wants api://<the add-in's host>/<client id> as the App ID URI."""
    return f"api://{urlsplit(normalize_base_url(base_url)).hostname}/{client_id}"


def render_manifest(options: ManifestOptions) -> str:
    base = normalize_base_url(options.base_url)
    if options.send_mode not in SEND_MODES:
        raise ManifestError(f"send mode must be one of {', '.join(SEND_MODES)}, not {options.send_mode!r}")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    app_id = options.app_id or str(uuid.uuid5(uuid.NAMESPACE_URL, base + ADDIN_PATH))
    values = {
        "app_id": escape(app_id),
        "version": escape(_manifest_version(__version__)),
        "origin": escape(origin),
        "send_mode": quoteattr(options.send_mode),
        "handler": quoteattr(HANDLER_NAME),
        "command_id": quoteattr(COMMAND_ID),
        "web_application_info": _web_application_info(options, base),
        "description": quoteattr(DESCRIPTION),
        "tooltip": quoteattr(TOOLTIP),
    }
    for name, path in _urls().items():
        values[name] = quoteattr(base + path)
    return _TEMPLATE.substitute(values)


def _urls() -> dict[str, str]:
    urls = {
        "runtime_page": f"{ADDIN_PATH}/commands.html",
        "runtime_script": SCRIPT_PATH,
        "taskpane": f"{ADDIN_PATH}/taskpane.html",
        "help": f"{ADDIN_PATH}/help.html",
    }
    urls.update({f"icon{size}": f"{ADDIN_PATH}/icons/icon-{size}.png" for size in ICON_SIZES})
    return urls


def _manifest_version(version: str) -> str:
    """The manifest wants four numeric parts: 0.1.0 -> 0.1.0.0."""
    numbers = [p for p in version.split(".") if p.isdigit()][:4]
    return ".".join(numbers + ["0"] * (4 - len(numbers)))


def _web_application_info(options: ManifestOptions, base: str) -> str:
    if not options.entra_client_id:
        return ""
    resource = options.app_id_uri or default_app_id_uri(base, options.entra_client_id)
    return (
        "\n      <!-- Office single sign-on: the Entra app registration SafeSend validates tokens for. -->\n"
        "      <WebApplicationInfo>\n"
        f"        <Id>{escape(options.entra_client_id)}</Id>\n"
        f"        <Resource>{escape(resource)}</Resource>\n"
        "        <Scopes>\n"
        "          <Scope>openid</Scope>\n"
        "          <Scope>profile</Scope>\n"
        "        </Scopes>\n"
        "      </WebApplicationInfo>"
    )


_TEMPLATE = Template("""\
<?xml version="1.0" encoding="UTF-8"?>
<!-- SafeSend for Outlook. Rendered by `safesend manifest`; do not edit by hand. -->
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
           xmlns:mailappor="http://schemas.microsoft.com/office/mailappversionoverrides/1.0"
           xsi:type="MailApp">
  <Id>$app_id</Id>
  <Version>$version</Version>
  <ProviderName>SafeSend</ProviderName>
  <DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="SafeSend"/>
  <Description DefaultValue=$description/>
  <IconUrl DefaultValue=$icon64/>
  <HighResolutionIconUrl DefaultValue=$icon128/>
  <SupportUrl DefaultValue=$help/>
  <AppDomains>
    <AppDomain>$origin</AppDomain>
  </AppDomains>
  <Hosts>
    <Host Name="Mailbox"/>
  </Hosts>
  <Requirements>
    <Sets>
      <Set Name="Mailbox" MinVersion="1.1"/>
    </Sets>
  </Requirements>
  <FormSettings>
    <Form xsi:type="ItemEdit">
      <DesktopSettings>
        <SourceLocation DefaultValue=$taskpane/>
      </DesktopSettings>
    </Form>
  </FormSettings>
  <Permissions>ReadWriteItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Edit"/>
  </Rule>
  <DisableEntityHighlighting>false</DisableEntityHighlighting>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides"
                    xsi:type="VersionOverridesV1_0">
    <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides/1.1"
                      xsi:type="VersionOverridesV1_1">
      <!-- OnMessageSend (Smart Alerts) needs Mailbox 1.12; the handler adds 1.14/1.15 options
           where the client has them. -->
      <Requirements>
        <bt:Sets DefaultMinVersion="1.12">
          <bt:Set Name="Mailbox"/>
        </bt:Sets>
      </Requirements>
      <Hosts>
        <Host xsi:type="MailHost">
          <Runtimes>
            <!-- Web, new Outlook and Mac load the HTML page; classic Outlook on Windows loads the script. -->
            <Runtime resid="SafeSend.Runtime.Url">
              <Override type="javascript" resid="SafeSend.RuntimeScript.Url"/>
            </Runtime>
          </Runtimes>
          <DesktopFormFactor>
            <ExtensionPoint xsi:type="MessageComposeCommandSurface">
              <OfficeTab id="TabDefault">
                <Group id="SafeSendGroup">
                  <Label resid="SafeSend.Group.Label"/>
                  <!-- This id is the commandId of the Smart Alerts "Review and fix" button. -->
                  <Control xsi:type="Button" id=$command_id>
                    <Label resid="SafeSend.Review.Label"/>
                    <Supertip>
                      <Title resid="SafeSend.Review.Label"/>
                      <Description resid="SafeSend.Review.Tooltip"/>
                    </Supertip>
                    <Icon>
                      <bt:Image size="16" resid="SafeSend.Icon16"/>
                      <bt:Image size="32" resid="SafeSend.Icon32"/>
                      <bt:Image size="80" resid="SafeSend.Icon80"/>
                    </Icon>
                    <Action xsi:type="ShowTaskpane">
                      <SourceLocation resid="SafeSend.Taskpane.Url"/>
                    </Action>
                  </Control>
                </Group>
              </OfficeTab>
            </ExtensionPoint>
            <ExtensionPoint xsi:type="LaunchEvent">
              <LaunchEvents>
                <LaunchEvent Type="OnMessageSend" FunctionName=$handler SendMode=$send_mode/>
              </LaunchEvents>
              <SourceLocation resid="SafeSend.Runtime.Url"/>
            </ExtensionPoint>
          </DesktopFormFactor>
        </Host>
      </Hosts>
      <Resources>
        <bt:Images>
          <bt:Image id="SafeSend.Icon16" DefaultValue=$icon16/>
          <bt:Image id="SafeSend.Icon32" DefaultValue=$icon32/>
          <bt:Image id="SafeSend.Icon80" DefaultValue=$icon80/>
        </bt:Images>
        <bt:Urls>
          <bt:Url id="SafeSend.Runtime.Url" DefaultValue=$runtime_page/>
          <bt:Url id="SafeSend.RuntimeScript.Url" DefaultValue=$runtime_script/>
          <bt:Url id="SafeSend.Taskpane.Url" DefaultValue=$taskpane/>
        </bt:Urls>
        <bt:ShortStrings>
          <bt:String id="SafeSend.Group.Label" DefaultValue="SafeSend"/>
          <bt:String id="SafeSend.Review.Label" DefaultValue="Review with SafeSend"/>
        </bt:ShortStrings>
        <bt:LongStrings>
          <bt:String id="SafeSend.Review.Tooltip" DefaultValue=$tooltip/>
        </bt:LongStrings>
      </Resources>$web_application_info
    </VersionOverrides>
  </VersionOverrides>
</OfficeApp>
""")
