/** Gmail's look (Material 3 as Gmail uses it): Google Sans titles, pill buttons, soft surfaces. */

const FONT = "'Google Sans', Roboto, 'Segoe UI', Arial, sans-serif";
const BODY_FONT = "Roboto, 'Segoe UI', Arial, sans-serif";

export const DIALOG_CSS = `
:host { all: initial; }
.scrim { position: fixed; inset: 0; background: rgba(32, 33, 36, .45); z-index: 2147483000;
  display: flex; align-items: center; justify-content: center; font-family: ${BODY_FONT}; }
.dialog { background: #fff; color: #1f1f1f; border-radius: 28px; width: min(560px, calc(100vw - 48px));
  max-height: calc(100vh - 48px); overflow: auto; box-sizing: border-box; padding: 24px;
  box-shadow: 0 4px 8px 3px rgba(60, 64, 67, .15), 0 1px 3px rgba(60, 64, 67, .3); }
.icon { width: 24px; height: 24px; margin: 0 auto 16px; display: block; }
.icon.warn { fill: #b06000; } .icon.confirm { fill: #b3261e; } .icon.block { fill: #b3261e; }
.icon.ok { fill: #146c2e; } .icon.failed { fill: #5e5e5e; }
h2 { font: 400 24px/32px ${FONT}; margin: 0 0 16px; text-align: center; color: #1f1f1f; }
p { margin: 0 0 16px; font-size: 14px; line-height: 20px; color: #444746; }
ul.findings { list-style: none; margin: 0 0 16px; padding: 0; }
ul.findings li { border-radius: 12px; background: #f8fafd; padding: 12px 16px; margin-bottom: 8px;
  border-left: 4px solid #b06000; }
ul.findings li.confirm, ul.findings li.block { border-left-color: #b3261e; }
.finding-title { font: 500 14px/20px ${FONT}; color: #1f1f1f; margin-bottom: 4px; }
.finding-detail { font-size: 14px; line-height: 20px; color: #444746; }
.evidence { margin-top: 8px; display: flex; flex-wrap: wrap; gap: 6px; }
.evidence span { font-size: 12px; line-height: 16px; background: #e9eef6; color: #444746;
  border-radius: 8px; padding: 2px 8px; }
.fixes { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 16px; }
button { font: 500 14px/20px ${FONT}; border-radius: 20px; height: 40px; padding: 0 24px; border: 0;
  cursor: pointer; background: transparent; color: #0b57d0; }
button:hover { background: rgba(11, 87, 208, .08); }
button:focus-visible { outline: 2px solid #0b57d0; outline-offset: 2px; }
button:disabled { opacity: .38; cursor: default; }
button.tonal { background: #d3e3fd; color: #041e49; padding: 0 16px; }
button.tonal:hover { background: #c2d7fa; }
button.filled { background: #0b57d0; color: #fff; }
button.filled:hover { background: #0a4fba; box-shadow: 0 1px 2px rgba(60, 64, 67, .3); }
label.reason { display: block; font: 500 14px/20px ${FONT}; color: #1f1f1f; margin-bottom: 8px; }
textarea { box-sizing: border-box; width: 100%; min-height: 84px; resize: vertical; border-radius: 4px;
  border: 1px solid #747775; padding: 10px 12px; font: 14px/20px ${BODY_FONT}; color: #1f1f1f; }
textarea:focus { outline: 2px solid #0b57d0; border-color: transparent; }
.help { font-size: 12px; line-height: 16px; color: #444746; margin: 4px 0 16px; }
.status { min-height: 20px; font-size: 14px; line-height: 20px; color: #444746; margin-bottom: 8px; }
.status.error { color: #b3261e; }
.actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 8px; }
.brand { font-size: 12px; color: #5e5e5e; text-align: center; margin: -8px 0 16px; }
`;

export const NOTICE_CSS = `
:host { all: initial; }
.snackbar { position: fixed; left: 24px; bottom: 24px; z-index: 2147483001; max-width: 560px;
  background: #1f1f1f; color: #f2f2f2; border-radius: 4px; padding: 14px 16px; display: flex;
  align-items: center; gap: 16px; font: 14px/20px ${BODY_FONT};
  box-shadow: 0 3px 5px -1px rgba(0, 0, 0, .2), 0 6px 10px rgba(0, 0, 0, .14); }
.snackbar strong { font-weight: 500; display: block; }
button { font: 500 14px/20px ${FONT}; background: transparent; border: 0; color: #a8c7fa; cursor: pointer;
  padding: 6px 8px; border-radius: 4px; white-space: nowrap; }
button:hover { background: rgba(168, 199, 250, .12); }
`;
