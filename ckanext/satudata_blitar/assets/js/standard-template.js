/* The dataset form's data-standard field: the links to the chosen standard's empty CSV and
   XLSX templates follow the choice at once (without scripts they show after saving). */
ckan.module("satudata-standard-template", function ($) {
  return {
    initialize: function () {
      var box = this.el;
      var select = $("#field-standar_data");
      var base = String(box.data("base") || "");
      var update = function () {
        var name = select.val();
        var chosen = box.find(".satudata-standard-chosen");
        if (!name) { chosen.attr("hidden", "hidden"); return; }
        chosen.removeAttr("hidden");
        chosen.find("a[data-fmt]").each(function () {
          $(this).attr("href", base.replace("__name__", encodeURIComponent(name))
                                   .replace("__fmt__", $(this).data("fmt")));
        });
      };
      select.on("change", update);
      update();
    }
  };
});
