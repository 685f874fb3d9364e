// Node 20 has no global `navigator` (Node 21 added one). Amplify names the device it
// confirms (ConfirmDevice's DeviceName) after navigator.userAgent, as in a browser, and
// without one it skips ConfirmDevice. tests/interop/test_amplify_devices.py preloads this
// file through NODE_OPTIONS so that Node 20 behaves as a browser and newer Node do.
if (typeof globalThis.navigator === 'undefined') {
	globalThis.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
}
