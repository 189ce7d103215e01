// Export dispatch of the engine. The C side evaluates this expression once at build time, calls it
// with the prelude's control object, and drives every export call through the returned functions.
//
// Unlike extism-js, which calls the key at the export's position in the sorted keys of
// module.exports and ignores the promise an export returns, this dispatcher looks the export up by
// name and fails the call when the returned promise rejects.
(function (control) {
  "use strict";

  var exportNames = [];

  function describe(value) {
    var thrown = JSON.parse(control.describeThrown(value));
    return thrown.error ? "Exception: " + thrown.message + "\n" + thrown.stack : "Exception: " + thrown.text;
  }

  function failed(text) {
    return { state: "failed", value: text };
  }

  // Applies the build header: the declared exports in wasm export order and the declared host
  // functions, sorted, whose positions are their ids.
  function configure(headerJson) {
    var header = JSON.parse(headerJson);
    exportNames = header.exports;
    Host.__hostFunctions = header.hostFunctions.map(function (name) {
      return { name: name, results: 1 };
    });
  }

  // Calls the export at `index` with `this` undefined and no arguments. Returns a record that
  // `finish` reads after the engine has drained the job queue.
  function call(index) {
    control.enterCallPhase();
    var name = exportNames[index];
    var module = globalThis.module;
    var exported = module === undefined || module === null ? undefined : module.exports;
    if (exported === null || (typeof exported !== "object" && typeof exported !== "function")) {
      return failed("module.exports is missing or not an object, so the export " + name + " cannot be called. Assign the object of exported functions to module.exports.");
    }
    if (!Object.prototype.hasOwnProperty.call(exported, name)) {
      return failed("module.exports has no key " + name + ", which the plugin declares as an export. Export the function under that name from the entry module.");
    }
    var fn = exported[name];
    if (typeof fn !== "function") {
      return failed("module.exports." + name + " is a " + typeof fn + ", not a function.");
    }

    var result;
    try {
      result = fn.call(undefined);
    } catch (error) {
      return { state: "threw", value: error };
    }
    if (!(result instanceof Promise)) return { state: "returned", value: result };

    var record = { state: "pending", value: undefined, name: name };
    result.then(
      function (value) {
        record.state = "fulfilled";
        record.value = value;
      },
      function (error) {
        record.state = "rejected";
        record.value = error;
      },
    );
    return record;
  }

  // Returns { code, error }: the export's return code and, for a failed call, the error text.
  function finish(record) {
    switch (record.state) {
      case "returned":
      case "fulfilled":
        return { code: control.returnCode(record.value), error: undefined };
      case "threw":
      case "rejected":
        return { code: -1, error: describe(record.value) };
      case "pending":
        return {
          code: -1,
          error: "The promise returned by the export " + record.name + " never settled. A plugin call has no timers and no asynchronous host calls, so the promise must settle from already-settled promises.",
        };
      default:
        return { code: -1, error: record.value };
    }
  }

  return { configure: configure, call: call, finish: finish, describe: describe };
})
