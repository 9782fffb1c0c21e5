from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Exists, OuterRef, Sum
from django.utils.html import format_html
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from catalogue.choices import Activity, ShoeType
from catalogue.images import InvalidImage, validated_renditions
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant
from catalogue.stock import in_stock_variants


class ProductImageForm(forms.ModelForm):
    """Run every uploaded picture through the shop's image checks and store its renditions."""

    class Meta:
        model = ProductImage
        fields = ["image", "alt", "position"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        self.renditions = None
        if isinstance(upload, UploadedFile):
            try:
                self.renditions = validated_renditions(upload)
            except InvalidImage as error:
                raise ValidationError(error.detail, code=error.code) from None
        return upload

    def save(self, commit=True):
        product_image = super().save(commit=False)
        if getattr(self, "renditions", None):
            product_image.image = self.renditions.web
            product_image.thumbnail = self.renditions.thumbnail
        if commit:
            product_image.save()
        return product_image


def thumbnail_tag(image: ProductImage | None, size: int = 80):
    if image is None or not image.image:
        return "—"
    source = image.thumbnail or image.image
    return format_html(
        '<img src="{}" alt="{}" style="max-height:{}px;max-width:{}px">', source.url, image.alt, size, size
    )


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, obj):
        return thumbnail_tag(obj if obj.pk else None)


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = [
        "sku",
        "size_label",
        "eu_min",
        "eu_max",
        "foot_length_min_mm",
        "foot_length_max_mm",
        "width",
        "price",
        "stock",
        "is_active",
        "position",
    ]


class ProductAdminForm(forms.ModelForm):
    shoe_types = forms.MultipleChoiceField(
        choices=ShoeType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    activities = forms.MultipleChoiceField(
        choices=Activity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Product
        fields = ["shoe_types", "activities"]  # the admin's fieldsets list the rest


class InStockFilter(admin.SimpleListFilter):
    """Products with a variant in stock, or without one (``catalogue.stock``: an inactive product has none)."""

    title = "in stock"
    parameter_name = "in_stock"

    def lookups(self, request, model_admin):
        return [("yes", "In stock"), ("no", "Out of stock")]

    def queryset(self, request, queryset):
        stocked = in_stock_variants().filter(product=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(stocked))
        if self.value() == "no":
            return queryset.exclude(Exists(stocked))
        return queryset


class ProductResource(resources.ModelResource):
    category = fields.Field(
        attribute="category", column_name="category", widget=ForeignKeyWidget(Category, field="slug")
    )
    conditions = fields.Field(
        attribute="conditions", column_name="conditions", widget=ManyToManyWidget(Condition, field="slug")
    )

    class Meta:
        model = Product
        import_id_fields = ["slug"]
        skip_unchanged = True
        exclude = ["id", "created_at", "updated_at"]


class ProductVariantResource(resources.ModelResource):
    product = fields.Field(
        attribute="product", column_name="product", widget=ForeignKeyWidget(Product, field="slug")
    )

    class Meta:
        model = ProductVariant
        import_id_fields = ["sku"]
        skip_unchanged = True
        exclude = ["id"]


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin):
    form = ProductAdminForm
    resource_classes = [ProductResource]
    list_display = ["preview", "name", "kind", "category", "arch_support", "is_active", "total_stock"]
    list_display_links = ["preview", "name"]
    list_filter = ["kind", "category", "arch_support", "is_active", InStockFilter, "conditions"]
    search_fields = ["name", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["conditions"]
    inlines = [ProductVariantInline, ProductImageInline]
    list_select_related = ["category"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "category", "kind", "is_active", "short_description", "description"]},
        ),
        (
            "Fit",
            {
                "fields": [
                    ("arch_support", "rigidity", "posting"),
                    ("heel_cup", "heel_lift_mm", "met_pad"),
                    ("cushioning", "length", "volume"),
                    "suitable_for_children",
                    "shoe_types",
                    "activities",
                    "conditions",
                ]
            },
        ),
        (
            "Returns and production",
            {
                "fields": [
                    ("returnable", "return_days", "replacement_days"),
                    "sealed_hygiene",
                    "production_days",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(total_stock_sum=Sum("variants__stock"))
            .prefetch_related("images")
        )

    @admin.display(description="Image")
    def preview(self, obj):
        images = list(obj.images.all())
        return thumbnail_tag(images[0] if images else None, size=48)

    @admin.display(description="Stock", ordering="total_stock_sum")
    def total_stock(self, obj):
        return obj.total_stock_sum or 0


@admin.register(ProductVariant)
class ProductVariantAdmin(ImportExportModelAdmin):
    resource_classes = [ProductVariantResource]
    list_display = ["sku", "product", "size_label", "width", "price", "stock", "is_active"]
    list_editable = ["price", "stock", "is_active"]
    list_filter = ["is_active", "width", "product__kind", "product__category"]
    search_fields = ["sku", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "short_description"]
    search_fields = ["name", "slug"]
